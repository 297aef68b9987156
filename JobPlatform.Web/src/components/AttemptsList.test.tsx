import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { toAttempt } from '../services/tasks'
import { AttemptsList } from './AttemptsList'

describe('AttemptsList', () => {
  it('lists each attempt with its worker, duration, outcome and error', () => {
    render(
      <AttemptsList
        attempts={[
          { id: 'a1', number: 1, workerId: 'worker-1', startedAt: '2026-11-24T10:00:00Z', endedAt: '2026-11-24T10:00:01.5Z', outcome: 'failed' as const, error: 'Boom', errorDetail: 'at Handler.Run()' },
          { id: 'a2', number: 2, workerId: 'worker-2', startedAt: '2026-11-24T10:00:03Z', endedAt: null, outcome: null, error: null, errorDetail: null },
        ].map(toAttempt)}
      />,
    )
    const items = screen.getAllByRole('listitem')
    expect(items[0]).toHaveTextContent('Attempt 1 on worker-1')
    expect(items[0]).toHaveTextContent('1.50 s: failed')
    expect(items[0]).toHaveTextContent('(Boom)')
    expect(screen.getByText('at Handler.Run()')).toBeInTheDocument()
    expect(items[1]).toHaveTextContent('Attempt 2 on worker-2')
    expect(items[1]).toHaveTextContent('running')
  })

  it('says when there is no attempt yet', () => {
    render(<AttemptsList attempts={[]} />)
    expect(screen.getByText('No attempt yet.')).toBeInTheDocument()
  })
})
