import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, renderHook } from '@testing-library/react'
import { createElement, type ReactNode } from 'react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, makePage, makeScheduleRunWire, makeScheduleWire, problemResponse, routeFetch } from '../test/factories'
import {
  createSchedule,
  deleteSchedule,
  describeRun,
  PREVIEW_DELAY_MS,
  scheduleKeys,
  scheduleListQuery,
  schedulePreviewQuery,
  scheduleQuery,
  toSchedule,
  toScheduleRequest,
  triggerSchedule,
  updateSchedule,
  useSchedulePreview,
} from './schedules'

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

/** Stubs fetch with `routes`, returning the mock to look at the requests. */
function stub(routes: Parameters<typeof routeFetch>[0]) {
  const fetch = vi.fn(routeFetch(routes))
  vi.stubGlobal('fetch', fetch)
  return fetch
}

const request = (fetch: ReturnType<typeof stub>, n = 0) => {
  const [path, init] = fetch.mock.calls[n]!
  return { path: String(path), method: init?.method ?? 'GET', body: init?.body ? JSON.parse(init.body as string) : undefined }
}

const fetchWith = <T>(options: { queryKey: readonly unknown[]; queryFn?: unknown }) =>
  new QueryClient().fetchQuery(options as Parameters<QueryClient['fetchQuery']>[0]) as Promise<T>

describe('toSchedule', () => {
  it('reads the dates and the runs, and leaves the fire times as the Api wrote them', () => {
    const run = makeScheduleRunWire({ fireTime: '2026-11-24T10:00:00Z', firedAt: '2026-11-24T10:00:02Z' })
    const schedule = toSchedule(makeScheduleWire({ nextFireAt: null, paused: true, recentRuns: [run] }))

    expect(schedule.nextFireAt).toBeNull()
    expect(schedule.lastFireAt).toEqual(new Date('2026-11-24T10:00:00Z'))
    expect(schedule.nextFireTimes[0]).toBe('2026-11-24T12:00:00+01:00')
    expect(schedule.recentRuns[0]).toMatchObject({ outcome: 'submitted', firedAt: new Date('2026-11-24T10:00:02Z') })
  })

  it('gives a listed schedule, which has neither, no fire times and no runs', () => {
    const schedule = toSchedule(makeScheduleWire({ nextFireTimes: undefined, recentRuns: undefined }))

    expect(schedule.nextFireTimes).toEqual([])
    expect(schedule.recentRuns).toEqual([])
  })

  it('makes the request that recreates it, for the edit form', () => {
    const wire = makeScheduleWire({ name: 'nightly', overlap: 'allow', catchUp: 'once', paused: true })

    expect(toScheduleRequest(toSchedule(wire))).toEqual({
      name: 'nightly',
      cron: wire.cron,
      timeZone: wire.timeZone,
      job: wire.job,
      overlap: 'allow',
      catchUp: 'once',
      paused: true,
    })
  })
})

describe('describeRun', () => {
  it('says a job was submitted, or why not', () => {
    expect(describeRun({ outcome: 'submitted', reason: null })).toBe('A job was submitted.')
    expect(describeRun({ outcome: 'skipped', reason: 'The previous job is unfinished.' })).toBe('Skipped: The previous job is unfinished.')
    expect(describeRun({ outcome: 'skipped', reason: null })).toBe('Skipped.')
  })
})

describe('schedule queries', () => {
  it('nest every key under schedules', () => {
    for (const key of [scheduleKeys.list(1, 50), scheduleKeys.detail('s1'), scheduleKeys.preview('@daily', 'UTC')]) {
      expect(key[0]).toBe(scheduleKeys.all[0])
    }
  })

  it('ask for a page of schedules', async () => {
    const fetch = stub([['GET', '/api/v1/schedules?', () => jsonResponse(makePage([makeScheduleWire({ name: 'a' })]))]])

    const page = await fetchWith<{ schedules: { name: string }[] }>(scheduleListQuery(2))

    expect(request(fetch).path).toBe('/api/v1/schedules?page=2&pageSize=50')
    expect(page.schedules.map((s) => s.name)).toEqual(['a'])
  })

  it('ask for one schedule', async () => {
    const wire = makeScheduleWire()
    stub([['GET', `/api/v1/schedules/${wire.id}`, () => jsonResponse(wire)]])

    await expect(fetchWith(scheduleQuery(wire.id))).resolves.toMatchObject({ id: wire.id, nextFireTimes: wire.nextFireTimes })
  })

  it('ask for a preview with the expression and zone encoded', async () => {
    const fetch = stub([['GET', '/api/v1/schedules/preview', () => jsonResponse({ cron: '*/2 * * * * *', timeZone: 'Europe/Berlin', fireTimes: [] })]])

    await fetchWith(schedulePreviewQuery('*/2 * * * * *', 'Europe/Berlin'))

    expect(request(fetch).path).toBe('/api/v1/schedules/preview?cron=*%2F2+*+*+*+*+*&timeZone=Europe%2FBerlin')
  })
})

describe('schedule commands', () => {
  it('create with POST', async () => {
    const wire = makeScheduleWire({ name: 'nightly' })
    const fetch = stub([['POST', '/api/v1/schedules', () => jsonResponse(wire, { status: 201 })]])
    const body = { name: 'nightly', cron: '@daily', timeZone: 'UTC', job: { type: 'noop', taskCount: 1 }, overlap: 'skip', catchUp: 'skip', paused: false } as const

    await expect(createSchedule(body)).resolves.toMatchObject({ id: wire.id, name: 'nightly' })

    expect(request(fetch)).toEqual({ path: '/api/v1/schedules', method: 'POST', body })
  })

  it('pause with PATCH of the one field', async () => {
    const wire = makeScheduleWire({ paused: true, nextFireAt: null })
    const fetch = stub([['PATCH', `/api/v1/schedules/${wire.id}`, () => jsonResponse(wire)]])

    await expect(updateSchedule(wire.id, { paused: true })).resolves.toMatchObject({ paused: true, nextFireAt: null })

    expect(request(fetch).body).toEqual({ paused: true })
  })

  it('delete with DELETE', async () => {
    const fetch = stub([['DELETE', '/api/v1/schedules/s1', () => new Response(null, { status: 204 })]])

    await deleteSchedule('s1')

    expect(request(fetch)).toMatchObject({ path: '/api/v1/schedules/s1', method: 'DELETE' })
  })

  it('trigger, answering with the run, which may be skipped', async () => {
    const run = makeScheduleRunWire({ outcome: 'skipped', jobId: null, jobStatus: null, reason: 'The previous job is unfinished.', manual: true })
    stub([['POST', '/api/v1/schedules/s1/trigger', () => jsonResponse(run)]])

    await expect(triggerSchedule('s1')).resolves.toMatchObject({ outcome: 'skipped', reason: 'The previous job is unfinished.', manual: true })
  })
})

describe('useSchedulePreview', () => {
  function renderPreview(initial: { cron: string; timeZone: string }) {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
    const wrapper = ({ children }: { children: ReactNode }) => createElement(QueryClientProvider, { client }, children)
    return renderHook((props: { cron: string; timeZone: string }) => useSchedulePreview(props.cron, props.timeZone), { wrapper, initialProps: initial })
  }

  it('asks once typing pauses, for the last expression only', async () => {
    const fireTimes = ['2026-11-24T10:00:02+00:00']
    const fetch = stub([['GET', '/api/v1/schedules/preview', () => jsonResponse({ cron: '*/2 * * * * *', timeZone: 'UTC', fireTimes })]])
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const { result, rerender } = renderPreview({ cron: '', timeZone: 'UTC' })

    rerender({ cron: '*/2', timeZone: 'UTC' })
    rerender({ cron: '*/2 * * * * *', timeZone: 'UTC' })
    await act(() => vi.advanceTimersByTimeAsync(PREVIEW_DELAY_MS))

    await vi.waitFor(() => expect(result.current.fireTimes).toEqual(fireTimes))
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(request(fetch).path).toContain('cron=*%2F2+*+*+*+*+*')
  })

  it("gives the Api's message by the field it names", async () => {
    stub([['GET', '/api/v1/schedules/preview', () => problemResponse({ status: 400, title: 'The schedule is not valid.', errors: { timeZone: ["Unknown time zone 'Mars/Olympus'."] } })]])
    const { result } = renderPreview({ cron: '@daily', timeZone: 'Mars/Olympus' })

    await vi.waitFor(() => expect(result.current.errors).toEqual({ timeZone: "Unknown time zone 'Mars/Olympus'." }))
    expect(result.current.fireTimes).toBeUndefined()
  })

  it('asks nothing for an empty expression', async () => {
    const fetch = stub([])
    const { result } = renderPreview({ cron: '  ', timeZone: 'UTC' })

    await new Promise((resolve) => setTimeout(resolve, PREVIEW_DELAY_MS + 50))
    expect(fetch).not.toHaveBeenCalled()
    expect(result.current).toMatchObject({ fireTimes: undefined, errors: {}, loading: false })
  })
})
