import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { toTask } from '../services/tasks'
import { makeTaskWire } from '../test/factories'
import { TasksTable, type TasksTableProps } from './TasksTable'

const now = new Date('2026-11-24T10:00:10Z')

function renderTable(props: Partial<TasksTableProps> = {}) {
  const tasks = [
    toTask(makeTaskWire({ index: 0, status: 'succeeded', workerId: 'worker-1', startedAt: '2026-11-24T10:00:00Z', finishedAt: '2026-11-24T10:00:00.25Z' })),
    toTask(makeTaskWire({ index: 1, status: 'dead_lettered', attemptCount: 3, error: 'Boom', finishedAt: '2026-11-24T10:00:05Z' })),
    toTask(makeTaskWire({ index: 2, status: 'running', workerId: 'worker-2', startedAt: '2026-11-24T10:00:07Z', finishedAt: null })),
  ]
  const handlers = { onToggle: vi.fn(), onRetry: vi.fn(), renderAttempts: vi.fn(() => <p>the attempts</p>) }
  render(<TasksTable tasks={tasks} now={now} openedTaskId={null} {...handlers} {...props} />)
  return { tasks, ...handlers }
}

describe('TasksTable', () => {
  it('shows each task with its index, status in words, attempts, worker, duration and error', () => {
    renderTable()

    const rows = screen.getAllByRole('row').slice(1)
    expect(rows.map((row) => within(row).getAllByRole('cell').slice(0, 6).map((cell) => cell.textContent))).toEqual([
      ['0', 'succeeded', '1 of 3', 'worker-1', '0.25 s', ''],
      ['1', 'dead_lettered', '3 of 3', 'worker-1', '5.00 s', 'Boom'],
      ['2', 'running', '1 of 3', 'worker-2', '3.00 s so far', ''],
    ])
  })

  it('offers Retry on failed, dead-lettered and cancelled tasks only', () => {
    const { tasks, onRetry } = renderTable()

    const retry = screen.getAllByRole('button', { name: 'Retry' })
    expect(retry).toHaveLength(1)
    fireEvent.click(retry[0]!)
    expect(onRetry).toHaveBeenCalledWith(tasks[1])
  })

  it('disables Retry while that retry is on its way', () => {
    const { tasks } = { tasks: [toTask(makeTaskWire({ status: 'failed' }))] }
    render(<TasksTable tasks={tasks} now={now} openedTaskId={null} onToggle={() => {}} onRetry={() => {}} renderAttempts={() => null} retrying={new Set([tasks[0]!.id])} />)

    expect(screen.getByRole('button', { name: 'Retry' })).toBeDisabled()
  })

  it('opens a task by its index, and shows its attempts under its row', () => {
    const { tasks, onToggle, renderAttempts } = renderTable()
    fireEvent.click(screen.getByRole('button', { name: 'Task 1: show attempts' }))
    expect(onToggle).toHaveBeenCalledWith(tasks[1]!.id)
    expect(renderAttempts).not.toHaveBeenCalled()
  })

  it('shows the attempts of the opened task', () => {
    const tasks = [toTask(makeTaskWire({ index: 4 }))]
    render(<TasksTable tasks={tasks} now={now} openedTaskId={tasks[0]!.id} onToggle={() => {}} onRetry={() => {}} renderAttempts={(t) => <p>attempts of {t.index}</p>} />)

    expect(screen.getByRole('button', { name: 'Task 4: hide attempts' })).toHaveAttribute('aria-expanded', 'true')
    expect(screen.getByText('attempts of 4')).toBeInTheDocument()
  })

  it('says so when no task is in the chosen state', () => {
    render(<TasksTable tasks={[]} now={now} openedTaskId={null} onToggle={() => {}} onRetry={() => {}} renderAttempts={() => null} />)

    expect(screen.getByText('No task in this state.')).toBeInTheDocument()
  })

  it("shows a running task's progress, as its handler said it", () => {
    const running = [
      toTask(makeTaskWire({ index: 0, status: 'running', progress: { fraction: 0.25, message: 'reading part 1 of 4' } })),
      toTask(makeTaskWire({ index: 1, status: 'running', progress: { fraction: null, message: 'writing' } })),
      toTask(makeTaskWire({ index: 2, status: 'succeeded', progress: { fraction: 1, message: 'done' } })),
    ]
    renderTable({ tasks: running })

    expect(screen.getByRole('progressbar', { name: '25 % done' })).toHaveAttribute('value', '25')
    expect(screen.getByText(/reading part 1 of 4/)).toBeInTheDocument()
    expect(screen.getByText(/writing/)).toBeInTheDocument()
    expect(screen.queryByText(/done$/)).not.toBeInTheDocument()
    expect(screen.getAllByRole('progressbar')).toHaveLength(1)
  })
})
