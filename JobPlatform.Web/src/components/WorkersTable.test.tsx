import { render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it } from 'vitest'
import { toWorker } from '../services/workers'
import { makeWorkerWire } from '../test/factories'
import { WorkersTable } from './WorkersTable'

const now = new Date('2026-11-24T10:00:05Z')

describe('WorkersTable', () => {
  it('shows each worker with its host, status in words, queues, slots, rate, last heartbeat and start', () => {
    const workers = [
      makeWorkerWire({ id: 'worker-1', host: 'box-a', processId: 11, slots: 4, tasksPerSecond: 12.345, queues: ['text', 'images'] }),
      makeWorkerWire({ id: 'worker-2', status: 'gone', lastHeartbeatAt: '2026-11-24T09:55:05Z' }),
    ].map(toWorker)

    render(<MemoryRouter><WorkersTable workers={workers} now={now} /></MemoryRouter>)

    const [first, second] = screen.getAllByRole('row').slice(1)
    expect(within(first!).getAllByRole('cell').map((cell) => cell.textContent)).toEqual([
      'worker-1',
      'box-a (pid 11)',
      'active',
      'text, images',
      '0 of 4 slots',
      '12.35',
      '5 seconds ago',
      '1 hour ago',
    ])
    expect(within(second!).getByText('gone')).toHaveClass('badge')
    expect(within(second!).getByText('5 minutes ago')).toBeInTheDocument()
  })

  it('links each running task to its job, and counts the ones it leaves out', () => {
    const runningTasks = Array.from({ length: 7 }, (_, i) => ({
      taskId: `t${i}`, jobId: 'j1', jobName: 'nightly', taskIndex: i, attempt: i === 0 ? 2 : 1, startedAt: '2026-11-24T10:00:00Z',
    }))
    render(<MemoryRouter><WorkersTable workers={[toWorker(makeWorkerWire({ slots: 8, runningTasks }))]} now={now} /></MemoryRouter>)

    expect(screen.getByText('7 of 8 slots')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'nightly task 0' })).toHaveAttribute('href', '/jobs/j1')
    expect(screen.getByText('(attempt 2)')).toBeInTheDocument()
    expect(screen.getAllByRole('link')).toHaveLength(5)
    expect(screen.getByText('and 2 more')).toBeInTheDocument()
  })
})
