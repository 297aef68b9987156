import { QueryClient } from '@tanstack/react-query'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeJobWire } from '../test/factories'
import { FakeEventSource } from '../test/fakeEventSource'
import { eventsPath, followEvents, type LiveStatus, SILENCE_TIMEOUT_MS } from './events'
import { jobKeys, toJob, type Job } from './jobs'
import { taskKeys } from './tasks'

function follow(jobId?: string) {
  const queryClient = new QueryClient()
  const invalidate = vi.spyOn(queryClient, 'invalidateQueries').mockResolvedValue()
  const statuses: LiveStatus[] = []
  const stop = followEvents(queryClient, { jobId, onStatus: (s) => statuses.push(s), createEventSource: FakeEventSource.create })
  /** The query keys invalidated so far, as strings, in order. */
  const invalidated = () => invalidate.mock.calls.map(([filters]) => JSON.stringify(filters?.queryKey))
  return { queryClient, statuses, stop, invalidated, invalidate, source: () => FakeEventSource.latest() }
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeEventSource.reset()
})
afterEach(() => vi.useRealTimers())

describe('followEvents', () => {
  it('follows every job, or one job when given its id', () => {
    follow()
    expect(FakeEventSource.latest().url).toBe('/api/v1/events')
    follow('0196a000-0000-7000-8000-000000000001')
    expect(FakeEventSource.latest().url).toBe(eventsPath('0196a000-0000-7000-8000-000000000001'))
    expect(eventsPath('a b')).toBe('/api/v1/events?jobId=a%20b')
  })

  it('says live once the stream opens', () => {
    const { statuses, source } = follow()
    expect(statuses).toEqual([])

    source().open()

    expect(statuses).toEqual(['live'])
  })

  it('puts a job event into the cache at once, in the job and in every list page showing it', () => {
    const { queryClient, source } = follow()
    const wire = makeJobWire({ status: 'running' })
    queryClient.setQueryData(jobKeys.list({ page: 1, pageSize: 50 }), {
      jobs: [toJob({ ...wire, status: 'enqueued' }), toJob(makeJobWire())],
      page: 1, pageSize: 50, totalCount: 2, totalPages: 1,
    })
    source().open()

    source().emit('job', { ...wire, status: 'completed' })

    expect(queryClient.getQueryData<Job>(jobKeys.detail(wire.id))?.status).toBe('completed')
    const list = queryClient.getQueryData<{ jobs: Job[] }>(jobKeys.list({ page: 1, pageSize: 50 }))
    expect(list?.jobs.map((j) => j.status)).toEqual(['completed', 'enqueued'])
  })

  it('keeps a cached job that is newer than the event', () => {
    const { queryClient, source } = follow()
    const wire = makeJobWire({ status: 'cancelled', updatedAt: '2026-11-24T10:00:05Z' })
    queryClient.setQueryData(jobKeys.detail(wire.id), toJob(wire))

    source().emit('job', { ...wire, status: 'running', updatedAt: '2026-11-24T10:00:01Z' })

    expect(queryClient.getQueryData<Job>(jobKeys.detail(wire.id))?.status).toBe('cancelled')
  })

  it('fetches the job lists at most once a second however many job events arrive, and once after the last', () => {
    const { source, invalidated } = follow()
    const lists = JSON.stringify(jobKeys.lists())

    // 150 jobs changing, each event 5 ms apart: most of a second of a busy platform.
    for (let i = 0; i < 150; i++) {
      source().emit('job', makeJobWire())
      vi.advanceTimersByTime(5)
    }
    expect(invalidated().filter((k) => k === lists)).toHaveLength(1)

    vi.advanceTimersByTime(1000)
    expect(invalidated().filter((k) => k === lists)).toHaveLength(2)

    vi.advanceTimersByTime(10_000)
    expect(invalidated().filter((k) => k === lists)).toHaveLength(2)
  })

  it("fetches a job's tasks and timeline at most once a second per job, with a trailing fetch", () => {
    const { source, invalidated } = follow()
    const tasksOf = (id: string) => JSON.stringify(jobKeys.tasks(id))
    const timelineOf = (id: string) => JSON.stringify(jobKeys.timeline(id))

    // 10,000 fast tasks: far more events than the server would ever send, to be sure.
    for (let i = 0; i < 10_000; i++) {
      source().emit('tasks', { jobId: 'a' })
    }
    source().emit('tasks', { jobId: 'b' })

    expect(invalidated().filter((k) => k === tasksOf('a'))).toHaveLength(1)
    expect(invalidated().filter((k) => k === timelineOf('a'))).toHaveLength(1)
    expect(invalidated().filter((k) => k === tasksOf('b'))).toHaveLength(1)

    vi.advanceTimersByTime(1000)
    expect(invalidated().filter((k) => k === tasksOf('a'))).toHaveLength(2)
    expect(invalidated().filter((k) => k === timelineOf('a'))).toHaveLength(2)
    // b had one event: nothing trails it.
    expect(invalidated().filter((k) => k === tasksOf('b'))).toHaveLength(1)
    expect(invalidated()).toContain(JSON.stringify(taskKeys.failuresAll()))
  })

  it('drops malformed events', () => {
    const { source, invalidate } = follow()

    source().emitRaw('job', 'not json')
    source().emitRaw('tasks', '{}')

    expect(invalidate).not.toHaveBeenCalled()
  })

  it('fetches everything again on a resync event', () => {
    const { source, invalidated } = follow()

    source().emit('resync', {})

    expect(invalidated()).toEqual([JSON.stringify(jobKeys.all), JSON.stringify(taskKeys.all)])
  })

  it('polls while the browser reconnects by itself, and fetches everything once it is back', () => {
    const { statuses, source, invalidated } = follow()
    source().open()

    source().fail('connecting')
    expect(statuses).toEqual(['live', 'polling'])
    expect(FakeEventSource.instances).toHaveLength(1)

    source().open()
    expect(statuses).toEqual(['live', 'polling', 'live'])
    expect(invalidated()).toEqual([JSON.stringify(jobKeys.all), JSON.stringify(taskKeys.all)])
  })

  it('opens a new stream when the browser gives up, waiting longer after each failure', () => {
    const { statuses, source } = follow()

    source().fail('closed')
    expect(statuses).toEqual(['polling'])
    vi.advanceTimersByTime(999)
    expect(FakeEventSource.instances).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeEventSource.instances).toHaveLength(2)

    source().fail('closed')
    vi.advanceTimersByTime(1999)
    expect(FakeEventSource.instances).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeEventSource.instances).toHaveLength(3)

    source().open()
    expect(statuses.at(-1)).toBe('live')
  })

  it('takes a silent stream for dead and opens another', () => {
    const { statuses, source } = follow()
    source().open()
    const first = source()

    vi.advanceTimersByTime(SILENCE_TIMEOUT_MS - 1000)
    first.emit('ping', {})
    vi.advanceTimersByTime(SILENCE_TIMEOUT_MS - 1000)
    expect(first.closed).toBe(false)

    vi.advanceTimersByTime(1000)
    expect(first.closed).toBe(true)
    expect(statuses.at(-1)).toBe('polling')
    vi.advanceTimersByTime(1000)
    expect(FakeEventSource.instances).toHaveLength(2)
  })

  it('closes the stream and drops waiting fetches when stopped', () => {
    const { source, stop, invalidated } = follow()
    source().emit('tasks', { jobId: 'a' })
    source().emit('tasks', { jobId: 'a' })
    const before = invalidated().length

    stop()
    vi.advanceTimersByTime(5000)

    expect(source().closed).toBe(true)
    expect(invalidated()).toHaveLength(before)
  })

  it('does not reconnect after being stopped', () => {
    const { source, stop } = follow()
    source().fail('closed')
    stop()

    vi.advanceTimersByTime(60_000)

    expect(FakeEventSource.instances).toHaveLength(1)
  })
})
