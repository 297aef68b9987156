import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, makePage, makeScheduleRunWire, makeScheduleWire, problemResponse, routeFetch } from '../test/factories'
import { renderPage } from '../test/renderPage'
import { SchedulesPage } from './SchedulesPage'

afterEach(() => vi.unstubAllGlobals())

const hourly = makeScheduleWire({ name: 'hourly', nextFireTimes: undefined, recentRuns: undefined })
const nightly = makeScheduleWire({ name: 'nightly', paused: true, nextFireAt: null, nextFireTimes: undefined, recentRuns: undefined })

function stub(schedules = [hourly, nightly], extra: Parameters<typeof routeFetch>[0] = []) {
  const fetch = vi.fn(routeFetch([...extra, ['GET', '/api/v1/schedules?', () => jsonResponse(makePage(schedules))]]))
  vi.stubGlobal('fetch', fetch)
  return fetch
}

const open = () => renderPage(<SchedulesPage />, { path: '/schedules', route: '/schedules' })
const requested = (fetch: ReturnType<typeof stub>) => fetch.mock.calls.map(([path, init]) => `${init?.method ?? 'GET'} ${String(path)}`)

describe('SchedulesPage', () => {
  it('lists the schedules, with the way to a new one', async () => {
    const fetch = stub()
    open()

    expect(await screen.findByRole('link', { name: 'hourly' })).toHaveAttribute('href', `/schedules/${hourly.id}`)
    expect(screen.getByRole('row', { name: /nightly/ })).toHaveTextContent('paused')
    expect(screen.getByText('2 schedules')).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'New schedule' })).toHaveAttribute('href', '/schedules/new')
    expect(requested(fetch)).toContain('GET /api/v1/schedules?page=1&pageSize=50')
  })

  it('says there are none yet, and how to make one', async () => {
    stub([])
    open()

    expect(await screen.findByRole('heading', { name: 'No schedules yet' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Create one' })).toHaveAttribute('href', '/schedules/new')
  })

  it('pauses a schedule from its row', async () => {
    const fetch = stub([hourly, nightly], [['PATCH', `/api/v1/schedules/${hourly.id}`, () => jsonResponse({ ...hourly, paused: true })]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Pause hourly' }))

    expect(await screen.findByRole('status')).toHaveTextContent('hourly is paused.')
    expect(JSON.parse(fetch.mock.calls.find(([, init]) => init?.method === 'PATCH')![1]!.body as string)).toEqual({ paused: true })
  })

  it('resumes a paused schedule from its row', async () => {
    const fetch = stub([hourly, nightly], [['PATCH', `/api/v1/schedules/${nightly.id}`, () => jsonResponse({ ...nightly, paused: false })]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Resume nightly' }))

    expect(await screen.findByRole('status')).toHaveTextContent('nightly is resumed.')
    expect(JSON.parse(fetch.mock.calls.find(([, init]) => init?.method === 'PATCH')![1]!.body as string)).toEqual({ paused: false })
  })

  it('triggers a schedule now and says what came of it', async () => {
    const run = makeScheduleRunWire({ outcome: 'skipped', jobId: null, reason: 'The previous job is unfinished.', manual: true })
    stub([hourly, nightly], [['POST', `/api/v1/schedules/${hourly.id}/trigger`, () => jsonResponse(run)]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Trigger hourly now' }))

    expect(await screen.findByRole('status')).toHaveTextContent('hourly: Skipped: The previous job is unfinished.')
  })

  it("shows the Api's refusal of a command", async () => {
    stub([hourly], [['POST', `/api/v1/schedules/${hourly.id}/trigger`, () => problemResponse({ status: 404, title: 'Schedule not found.' })]])
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Trigger hourly now' }))

    expect(within(await screen.findByRole('alert')).getByRole('heading')).toHaveTextContent('Schedule not found.')
  })
})
