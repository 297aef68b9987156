import { fireEvent, render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { toTask } from '../services/tasks'
import { makeTaskWire } from '../test/factories'
import { FailuresTable } from './FailuresTable'

const now = new Date('2026-11-24T10:05:00Z')

describe('FailuresTable', () => {
  const tasks = [
    toTask(makeTaskWire({ jobId: 'j1', jobName: 'nightly', index: 12, status: 'failed', attemptCount: 3, error: 'failed on purpose', finishedAt: '2026-11-24T10:00:00Z' })),
    toTask(makeTaskWire({ jobId: 'j2', jobName: 'import', index: 3, status: 'dead_lettered', attemptCount: 2, error: 'worker lost' })),
  ]

  it('shows each task with a link to its job, its index, status, attempts, error and when it finished', () => {
    render(<MemoryRouter><FailuresTable tasks={tasks} now={now} onRetry={() => {}} /></MemoryRouter>)

    const row = screen.getAllByRole('row')[1]!
    expect(within(row).getByRole('link', { name: 'nightly' })).toHaveAttribute('href', '/jobs/j1')
    expect(within(row).getAllByRole('cell').slice(1, 6).map((cell) => cell.textContent)).toEqual([
      '12',
      'failed',
      '3 of 3',
      'failed on purpose',
      '5 minutes ago',
    ])
  })

  it('retries the task of the row clicked', () => {
    const onRetry = vi.fn()
    render(<MemoryRouter><FailuresTable tasks={tasks} now={now} onRetry={onRetry} retrying={new Set([tasks[0]!.id])} /></MemoryRouter>)

    const [first, second] = screen.getAllByRole('button', { name: 'Retry' })
    expect(first).toBeDisabled()
    fireEvent.click(second!)
    expect(onRetry).toHaveBeenCalledWith(tasks[1])
  })
})
