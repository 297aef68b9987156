import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { TimelineChartProps } from '../components/TimelineChart'
import { jsonResponse, TASK_TYPES, makeCounts, makeJobWire, makePage, makeTaskWire, makeTimelineItem, problemResponse, routeFetch } from '../test/factories'
import { currentLocation, renderPage } from '../test/renderPage'
import { JobDetailPage } from './JobDetailPage'

// The chart itself is tested on its own; here it only shows what it was given.
vi.mock('../components/TimelineChart', () => ({
  TimelineChart: ({ items, totalCount }: TimelineChartProps) => (
    <figure data-testid="timeline">
      {items.length} of {totalCount} attempts
    </figure>
  ),
}))

afterEach(() => vi.unstubAllGlobals())

const running = makeJobWire({
  name: 'nightly',
  status: 'running',
  taskCount: 3,
  counts: makeCounts({ succeeded: 1, failed: 1, running: 1 }),
  startedAt: '2026-11-24T10:00:00Z',
})
const tasks = [
  makeTaskWire({ jobId: running.id, index: 0, status: 'succeeded' }),
  makeTaskWire({ jobId: running.id, index: 1, status: 'failed', error: 'failed on purpose' }),
  makeTaskWire({ jobId: running.id, index: 2, status: 'running', finishedAt: null }),
]

/** Stubs the Api for one job; `state.job` is what GET answers, so a command can change it. */
const state = { job: running }

function stub(job = running, extra: Parameters<typeof routeFetch>[0] = []) {
  state.job = job
  const fetch = vi.fn(
    routeFetch([
      ...extra,
      ['GET', new RegExp(`/api/v1/jobs/${job.id}/tasks\\?`), () => jsonResponse(makePage(tasks))],
      ['GET', `/api/v1/jobs/${job.id}/timeline?limit=5000`, () => jsonResponse({ items: [makeTimelineItem(), makeTimelineItem()], totalCount: 2, truncated: false })],
      ['GET', `/api/v1/jobs/${job.id}`, () => jsonResponse(state.job)],
    ]),
  )
  vi.stubGlobal('fetch', fetch)
  return fetch
}

const open = (job = running, query = '') => renderPage(<JobDetailPage />, { path: `/jobs/${job.id}${query}`, route: '/jobs/:id' })
const requested = (fetch: ReturnType<typeof stub>) => fetch.mock.calls.map(([path, init]) => `${init?.method ?? 'GET'} ${String(path)}`)

describe('JobDetailPage', () => {
  it('shows the job: name, status in words, progress, timeline and tasks', async () => {
    stub()
    open()

    expect(await screen.findByRole('heading', { name: 'nightly', level: 1 })).toBeInTheDocument()
    expect(screen.getByTestId('job-status')).toHaveTextContent(/^running$/)
    expect(screen.getByText('2 of 3 done')).toBeInTheDocument()
    expect(await screen.findByTestId('timeline')).toHaveTextContent('2 of 2 attempts')
    const rows = within(await screen.findByRole('table')).getAllByRole('row').slice(1)
    expect(rows.map((row) => within(row).getAllByRole('cell')[1]!.textContent)).toEqual(['succeeded', 'failed', 'running'])
  })

  it('says when no live worker runs the type of an unfinished job, and not when one does', async () => {
    const unserved = TASK_TYPES.map((t) => (t.name === 'sleep' ? { ...t, served: false, workers: [] } : t))
    stub(running, [['GET', '/api/v1/task-types', () => jsonResponse(unserved)]])
    open()

    expect(await screen.findByTestId('job-unserved')).toHaveTextContent('No live worker runs sleep now: its tasks wait until one starts.')
  })

  it('says nothing of workers when the live ones run the type', async () => {
    stub(running, [['GET', '/api/v1/task-types', () => jsonResponse(TASK_TYPES)]])
    open()

    expect(await screen.findByRole('heading', { name: 'nightly', level: 1 })).toBeInTheDocument()
    await screen.findByTestId('timeline')
    expect(screen.queryByTestId('job-unserved')).not.toBeInTheDocument()
  })

  it('cancels the job after asking, and shows it cancelled', async () => {
    const cancelled = { ...running, status: 'cancelled' as const, updatedAt: '2026-11-24T10:01:00Z' }
    const fetch = stub(running, [['POST', `/api/v1/jobs/${running.id}/cancel`, () => jsonResponse((state.job = cancelled))]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Cancel job' }))
    expect(requested(fetch)).not.toContain(`POST /api/v1/jobs/${running.id}/cancel`)
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel job' }))

    await vi.waitFor(() => expect(screen.getByTestId('job-status')).toHaveTextContent(/^cancelled$/))
    expect(requested(fetch)).toContain(`POST /api/v1/jobs/${running.id}/cancel`)
  })

  it("shows the Api's refusal when it will not cancel", async () => {
    stub(running, [
      ['POST', `/api/v1/jobs/${running.id}/cancel`, () => problemResponse({ status: 409, title: 'The job cannot be cancelled.', detail: 'The job is completed.' })],
    ])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Cancel job' }))
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel job' }))

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('The job cannot be cancelled.')
    expect(alert).toHaveTextContent('The job is completed.')
  })

  it('retries the failed tasks of a finished job after asking', async () => {
    const failed = makeJobWire({ status: 'failed', counts: makeCounts({ succeeded: 2, failed: 1 }), taskCount: 3 })
    const fetch = stub(failed, [['POST', `/api/v1/jobs/${failed.id}/retry`, () => jsonResponse((state.job = { ...failed, status: 'enqueued' }))]])
    open(failed)

    expect(await screen.findByRole('heading', { level: 1 })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Cancel job' })).not.toBeInTheDocument()
    fireEvent.click(screen.getByRole('button', { name: 'Retry failed tasks' }))
    fireEvent.click(screen.getByRole('button', { name: 'Yes, retry' }))

    await vi.waitFor(() => expect(screen.getByTestId('job-status')).toHaveTextContent(/^enqueued$/))
    expect(requested(fetch)).toContain(`POST /api/v1/jobs/${failed.id}/retry`)
  })

  it("opens a task's attempts from its row", async () => {
    const task = tasks[1]!
    stub(running, [
      ['GET', `/api/v1/tasks/${task.id}`, () => jsonResponse({
        ...task,
        attempts: [{ id: 'a1', number: 1, workerId: 'worker-3', startedAt: '2026-11-24T10:00:00Z', endedAt: '2026-11-24T10:00:01Z', outcome: 'failed', error: 'failed on purpose', errorDetail: null }],
      })],
    ])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Task 1: show attempts' }))

    expect(await screen.findByText(/Attempt 1 on worker-3/)).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Task 1: hide attempts' })).toHaveAttribute('aria-expanded', 'true')
  })

  it("shows an opened task's own input and its result", async () => {
    const task = tasks[1]!
    stub(running, [
      ['GET', `/api/v1/tasks/${task.id}`, () => jsonResponse({ ...task, input: { path: 'logs/a.txt' }, result: { words: 42 }, attempts: [] })],
    ])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Task 1: show attempts' }))

    expect(await screen.findByText('Input')).toBeInTheDocument()
    expect(screen.getByText(/"path": "logs\/a.txt"/)).toBeInTheDocument()
    expect(screen.getByText('Result')).toBeInTheDocument()
    expect(screen.getByText(/"words": 42/)).toBeInTheDocument()
  })

  it('retries one task from its row', async () => {
    const fetch = stub(running, [['POST', `/api/v1/tasks/${tasks[1]!.id}/retry`, () => jsonResponse({ ...tasks[1], status: 'enqueued' })]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Retry' }))

    expect(await screen.findByRole('status')).toHaveTextContent('Task 1 is queued again.')
    expect(requested(fetch)).toContain(`POST /api/v1/tasks/${tasks[1]!.id}/retry`)
  })

  it('filters the tasks by status, in the URL', async () => {
    const fetch = stub()
    open()

    fireEvent.change(await screen.findByLabelText('Task status'), { target: { value: 'failed' } })

    expect(currentLocation()).toBe(`/jobs/${running.id}?status=failed`)
    await vi.waitFor(() => expect(requested(fetch)).toContain(`GET /api/v1/jobs/${running.id}/tasks?page=1&pageSize=50&status=failed`))
  })

  it('says when there is no such job, and offers the way back', async () => {
    const missing = makeJobWire()
    vi.stubGlobal('fetch', routeFetch([['GET', '/api/v1/', () => problemResponse({ status: 404, title: 'Job not found.', detail: `No job has id ${missing.id}.` })]]))
    open(missing)

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('No such job')
    expect(alert).toHaveTextContent(`No job has id ${missing.id}.`)
    expect(within(alert).getByRole('link', { name: 'Back to the jobs' })).toHaveAttribute('href', '/')
  })
})
