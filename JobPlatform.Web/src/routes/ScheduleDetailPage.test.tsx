import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { POLL_INTERVAL_MS } from '../services/events'
import { jsonResponse, makeScheduleRunWire, makeScheduleWire, problemResponse, routeFetch, TASK_TYPES } from '../test/factories'
import { currentLocation, renderPage } from '../test/renderPage'
import { ScheduleDetailPage } from './ScheduleDetailPage'

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

const run = makeScheduleRunWire({ fireTime: '2026-11-24T10:00:00Z', firedAt: '2026-11-24T10:00:01.5Z', jobStatus: 'completed' })
const schedule = makeScheduleWire({ name: 'hourly', cron: '0 * * * *', timeZone: 'Europe/Berlin', overlap: 'allow', recentRuns: [run] })

/** Stubs the Api for one schedule; `state.schedule` is what GET answers, so a command can change it. */
const state = { schedule }

function stub(extra: Parameters<typeof routeFetch>[0] = [], wire = schedule) {
  state.schedule = wire
  const fetch = vi.fn(
    routeFetch([
      ...extra,
      ['GET', '/api/v1/task-types', () => jsonResponse(TASK_TYPES)],
      ['GET', '/api/v1/schedules/preview', () => jsonResponse({ cron: '0 * * * *', timeZone: 'Europe/Berlin', fireTimes: wire.nextFireTimes })],
      ['GET', `/api/v1/schedules/${wire.id}`, () => jsonResponse(state.schedule)],
    ]),
  )
  vi.stubGlobal('fetch', fetch)
  return fetch
}

const open = (wire = schedule) => renderPage(<ScheduleDetailPage />, { path: `/schedules/${wire.id}`, route: '/schedules/:id' })
const requested = (fetch: ReturnType<typeof stub>) => fetch.mock.calls.map(([path, init]) => `${init?.method ?? 'GET'} ${String(path)}`)
const figure = (term: string) => screen.getByText(term, { selector: 'dt' }).nextElementSibling?.textContent

describe('ScheduleDetailPage', () => {
  it('shows the schedule: its settings, next five fire times on its clock and its runs with their jobs', async () => {
    stub()
    open()

    expect(await screen.findByRole('heading', { name: 'hourly', level: 1 })).toBeInTheDocument()
    expect(screen.getByTestId('schedule-state')).toHaveTextContent('active')
    expect(figure('Overlap')).toBe('allow')
    expect(figure('Time zone')).toBe('Europe/Berlin')
    const times = within(screen.getByRole('list', { name: 'Next fire times' })).getAllByRole('listitem')
    expect(times).toHaveLength(5)
    expect(times[0]).toHaveTextContent('Tue, Nov 24, 2026, 12:00:00 GMT+01:00')
    const row = within(screen.getByTestId('schedule-runs')).getAllByRole('row')[1]!
    expect(row).toHaveTextContent('Tue, Nov 24, 2026, 11:00:00 GMT+01:00')
    expect(row).toHaveTextContent('1.50 s')
    expect(within(row).getByRole('link', { name: 'Job' })).toHaveAttribute('href', `/jobs/${run.jobId}`)
    expect(row).toHaveTextContent('completed')
  })

  it(`asks again every ${POLL_INTERVAL_MS} ms, so runs appear as it fires`, async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    stub([], { ...schedule, recentRuns: [] })
    open()

    expect(await screen.findByText(/No runs yet/)).toBeInTheDocument()
    state.schedule = { ...schedule, recentRuns: [run] }
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS)

    expect(await screen.findByTestId('schedule-runs')).toBeInTheDocument()
  })

  it('pauses the schedule, and says it fires only when triggered', async () => {
    const fetch = stub([['PATCH', `/api/v1/schedules/${schedule.id}`, () => jsonResponse((state.schedule = { ...schedule, paused: true, nextFireAt: null }))]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Pause' }))

    await vi.waitFor(() => expect(screen.getByTestId('schedule-state')).toHaveTextContent('paused'))
    expect(screen.getByRole('button', { name: 'Resume' })).toBeInTheDocument()
    expect(screen.getByText(/^Paused: it fires only when triggered/)).toBeInTheDocument()
    expect(requested(fetch)).toContain(`PATCH /api/v1/schedules/${schedule.id}`)
  })

  it('triggers the schedule now', async () => {
    const fetch = stub([['POST', `/api/v1/schedules/${schedule.id}/trigger`, () => jsonResponse(makeScheduleRunWire({ manual: true }))]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Trigger now' }))

    expect(await screen.findByRole('status')).toHaveTextContent('Triggered. A job was submitted.')
    expect(requested(fetch)).toContain(`POST /api/v1/schedules/${schedule.id}/trigger`)
  })

  it('edits the schedule in place and shows it saved', async () => {
    const fetch = stub([
      ['PATCH', `/api/v1/schedules/${schedule.id}`, (init) => jsonResponse((state.schedule = { ...schedule, ...JSON.parse(init!.body as string) }))],
    ])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }))
    fireEvent.change(await screen.findByLabelText('Cron expression'), { target: { value: '*/5 * * * *' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }))

    expect(await screen.findByText('The schedule is saved.')).toHaveAttribute('role', 'status')
    expect(screen.queryByRole('button', { name: 'Save changes' })).not.toBeInTheDocument()
    expect(figure('Expression')).toBe('*/5 * * * *')
    const patch = fetch.mock.calls.find(([, init]) => init?.method === 'PATCH')!
    expect(JSON.parse(patch[1]!.body as string)).toMatchObject({ name: 'hourly', cron: '*/5 * * * *', timeZone: 'Europe/Berlin', overlap: 'allow', job: { type: 'noop' } })
  })

  it("keeps the edit open with the Api's errors next to their fields", async () => {
    stub([['PATCH', `/api/v1/schedules/${schedule.id}`, () => problemResponse({ status: 400, title: 'The schedule is not valid.', errors: { 'job.type': ["Unknown task type 'gone'."] } })]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Edit' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Save changes' }))

    expect(await screen.findByText("Unknown task type 'gone'.")).toHaveAttribute('id', 'job.type-error')
  })

  it('deletes the schedule after asking, and goes back to the list', async () => {
    const fetch = stub([['DELETE', `/api/v1/schedules/${schedule.id}`, () => new Response(null, { status: 204 })]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Delete schedule' }))
    expect(requested(fetch)).not.toContain(`DELETE /api/v1/schedules/${schedule.id}`)
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }))

    await vi.waitFor(() => expect(currentLocation()).toBe('/schedules'))
    expect(requested(fetch)).toContain(`DELETE /api/v1/schedules/${schedule.id}`)
  })

  it('says when there is no such schedule, and offers the way back', async () => {
    vi.stubGlobal('fetch', routeFetch([['GET', '/api/v1/schedules/', () => problemResponse({ status: 404, title: 'Schedule not found.' })]]))
    open()

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('No such schedule')
    expect(within(alert).getByRole('link', { name: 'Back to the schedules' })).toHaveAttribute('href', '/schedules')
  })
})
