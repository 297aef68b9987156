import { QueryClient } from '@tanstack/react-query'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { makeJobWire } from '../test/factories'
import { FakeEventSource } from '../test/fakeEventSource'
import { stubTokens, TEST_TOKEN } from '../test/tokens'
import { eventsPath, eventsUrl, followEvents, type LiveStatus, SILENCE_TIMEOUT_MS } from './events'
import { jobKeys, toJob, type Job } from './jobs'
import { taskKeys } from './tasks'

/** Follows the events with a fake EventSource, once the (stubbed) token is at hand and the stream created. */
async function follow(jobId?: string, tokens = stubTokens()) {
  const queryClient = new QueryClient()
  const invalidate = vi.spyOn(queryClient, 'invalidateQueries').mockResolvedValue()
  const statuses: LiveStatus[] = []
  const stop = followEvents(queryClient, { jobId, onStatus: (s) => statuses.push(s), createEventSource: FakeEventSource.create, tokens })
  await vi.advanceTimersByTimeAsync(0)
  /** The query keys invalidated so far, as strings, in order. */
  const invalidated = () => invalidate.mock.calls.map(([filters]) => JSON.stringify(filters?.queryKey))
  return { queryClient, statuses, stop, invalidated, invalidate, tokens, source: () => FakeEventSource.latest() }
}

beforeEach(() => {
  vi.useFakeTimers()
  FakeEventSource.reset()
})
afterEach(() => vi.useRealTimers())

describe('followEvents', () => {
  it('follows every job, or one job when given its id, with the token in the URL', async () => {
    await follow()
    expect(FakeEventSource.latest().url).toBe(`/api/v1/events?access_token=${TEST_TOKEN}`)
    await follow('0196a000-0000-7000-8000-000000000001')
    expect(FakeEventSource.latest().url).toBe(`${eventsPath('0196a000-0000-7000-8000-000000000001')}&access_token=${TEST_TOKEN}`)
    expect(eventsPath('a b')).toBe('/api/v1/events?jobId=a%20b')
    expect(eventsUrl('a+b/c', 'j')).toBe('/api/v1/events?jobId=j&access_token=a%2Bb%2Fc')
  })

  it('opens the stream only once it has a token', async () => {
    let give!: (token: string) => void
    const tokens = stubTokens()
    tokens.token.mockImplementationOnce(() => new Promise<string>((resolve) => (give = resolve)))
    await follow(undefined, tokens)
    expect(FakeEventSource.instances).toHaveLength(0)

    give('late-token')
    await vi.advanceTimersByTimeAsync(0)

    expect(FakeEventSource.latest().url).toBe('/api/v1/events?access_token=late-token')
  })

  it('gets a fresh token before opening a new stream after the browser gave up', async () => {
    const tokens = stubTokens()
    const { source } = await follow(undefined, tokens)
    tokens.renew.mockResolvedValueOnce('fresh-token')

    // An expired token's 401 closes the EventSource like any other refusal.
    source().fail('closed')
    await vi.advanceTimersByTimeAsync(1000)

    expect(tokens.renew).toHaveBeenCalledWith(TEST_TOKEN)
    expect(FakeEventSource.instances.map((s) => s.url)).toEqual([
      `/api/v1/events?access_token=${TEST_TOKEN}`,
      '/api/v1/events?access_token=fresh-token',
    ])
  })

  it('keeps its token when replacing a silent stream', async () => {
    const { source, tokens } = await follow()
    source().open()

    await vi.advanceTimersByTimeAsync(SILENCE_TIMEOUT_MS + 1000)

    expect(FakeEventSource.instances).toHaveLength(2)
    expect(tokens.renew).not.toHaveBeenCalled()
  })

  it('polls and tries again later when no token can be had', async () => {
    const tokens = stubTokens()
    tokens.token.mockRejectedValueOnce(new Error('The Api could not be reached.'))
    const { statuses } = await follow(undefined, tokens)
    expect(statuses).toEqual(['polling'])
    expect(FakeEventSource.instances).toHaveLength(0)

    await vi.advanceTimersByTimeAsync(1000)

    expect(FakeEventSource.instances).toHaveLength(1)
  })

  it('says live once the stream opens', async () => {
    const { statuses, source } = await follow()
    expect(statuses).toEqual([])

    source().open()

    expect(statuses).toEqual(['live'])
  })

  it('puts a job event into the cache at once, in the job and in every list page showing it', async () => {
    const { queryClient, source } = await follow()
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

  it('keeps a cached job that is newer than the event', async () => {
    const { queryClient, source } = await follow()
    const wire = makeJobWire({ status: 'cancelled', updatedAt: '2026-11-24T10:00:05Z' })
    queryClient.setQueryData(jobKeys.detail(wire.id), toJob(wire))

    source().emit('job', { ...wire, status: 'running', updatedAt: '2026-11-24T10:00:01Z' })

    expect(queryClient.getQueryData<Job>(jobKeys.detail(wire.id))?.status).toBe('cancelled')
  })

  it('fetches the job lists at most once a second however many job events arrive, and once after the last', async () => {
    const { source, invalidated } = await follow()
    const lists = JSON.stringify(jobKeys.lists())

    // 150 jobs changing, each event 5 ms apart: most of a second of a busy platform.
    for (let i = 0; i < 150; i++) {
      source().emit('job', makeJobWire())
      await vi.advanceTimersByTimeAsync(5)
    }
    expect(invalidated().filter((k) => k === lists)).toHaveLength(1)

    await vi.advanceTimersByTimeAsync(1000)
    expect(invalidated().filter((k) => k === lists)).toHaveLength(2)

    await vi.advanceTimersByTimeAsync(10_000)
    expect(invalidated().filter((k) => k === lists)).toHaveLength(2)
  })

  it("fetches a job's tasks and timeline at most once a second per job, with a trailing fetch", async () => {
    const { source, invalidated } = await follow()
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

    await vi.advanceTimersByTimeAsync(1000)
    expect(invalidated().filter((k) => k === tasksOf('a'))).toHaveLength(2)
    expect(invalidated().filter((k) => k === timelineOf('a'))).toHaveLength(2)
    // b had one event: nothing trails it.
    expect(invalidated().filter((k) => k === tasksOf('b'))).toHaveLength(1)
    expect(invalidated()).toContain(JSON.stringify(taskKeys.failuresAll()))
  })

  it('drops malformed events', async () => {
    const { source, invalidate } = await follow()

    source().emitRaw('job', 'not json')
    source().emitRaw('tasks', '{}')

    expect(invalidate).not.toHaveBeenCalled()
  })

  it('fetches everything again on a resync event', async () => {
    const { source, invalidated } = await follow()

    source().emit('resync', {})

    expect(invalidated()).toEqual([JSON.stringify(jobKeys.all), JSON.stringify(taskKeys.all)])
  })

  it('polls while the browser reconnects by itself, and fetches everything once it is back', async () => {
    const { statuses, source, invalidated } = await follow()
    source().open()

    source().fail('connecting')
    expect(statuses).toEqual(['live', 'polling'])
    expect(FakeEventSource.instances).toHaveLength(1)

    source().open()
    expect(statuses).toEqual(['live', 'polling', 'live'])
    expect(invalidated()).toEqual([JSON.stringify(jobKeys.all), JSON.stringify(taskKeys.all)])
  })

  it('opens a new stream when the browser gives up, waiting longer after each failure', async () => {
    const { statuses, source } = await follow()

    source().fail('closed')
    expect(statuses).toEqual(['polling'])
    await vi.advanceTimersByTimeAsync(999)
    expect(FakeEventSource.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeEventSource.instances).toHaveLength(2)

    source().fail('closed')
    await vi.advanceTimersByTimeAsync(1999)
    expect(FakeEventSource.instances).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeEventSource.instances).toHaveLength(3)

    source().open()
    expect(statuses.at(-1)).toBe('live')
  })

  it('takes a silent stream for dead and opens another', async () => {
    const { statuses, source } = await follow()
    source().open()
    const first = source()

    await vi.advanceTimersByTimeAsync(SILENCE_TIMEOUT_MS - 1000)
    first.emit('ping', {})
    await vi.advanceTimersByTimeAsync(SILENCE_TIMEOUT_MS - 1000)
    expect(first.closed).toBe(false)

    await vi.advanceTimersByTimeAsync(1000)
    expect(first.closed).toBe(true)
    expect(statuses.at(-1)).toBe('polling')
    await vi.advanceTimersByTimeAsync(1000)
    expect(FakeEventSource.instances).toHaveLength(2)
  })

  it('closes the stream and drops waiting fetches when stopped', async () => {
    const { source, stop, invalidated } = await follow()
    source().emit('tasks', { jobId: 'a' })
    source().emit('tasks', { jobId: 'a' })
    const before = invalidated().length

    stop()
    await vi.advanceTimersByTimeAsync(5000)

    expect(source().closed).toBe(true)
    expect(invalidated()).toHaveLength(before)
  })

  it('does not reconnect after being stopped', async () => {
    const { source, stop } = await follow()
    source().fail('closed')
    stop()

    await vi.advanceTimersByTimeAsync(60_000)

    expect(FakeEventSource.instances).toHaveLength(1)
  })
})
