import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, makeCounts, makeJobWire, makePage } from '../test/factories'
import {
  cancelJob,
  describePace,
  isFinished,
  type Job,
  jobKeys,
  jobListPath,
  type JobWire,
  type JobStatus,
  retryableTaskCount,
  retryJob,
  submitJob,
  toJob,
  toJobPage,
  toTaskProgress,
} from './jobs'

describe('toTaskProgress', () => {
  it('counts succeeded, failed, dead-lettered and cancelled tasks as done', () => {
    const progress = toTaskProgress(
      makeCounts({ pending: 1, enqueued: 2, running: 3, retrying: 4, succeeded: 5, failed: 6, deadLettered: 7, cancelled: 8 }),
      36,
    )

    expect(progress).toEqual({ total: 36, done: 26, succeeded: 5, failed: 13, running: 3, cancelled: 8 })
  })

  it('never reports a total smaller than the tasks counted', () => {
    expect(toTaskProgress(makeCounts({ succeeded: 12 }), 10).total).toBe(12)
  })
})

describe('toJob', () => {
  it('parses timestamps and keeps nulls', () => {
    const job = toJob(
      makeJobWire({ createdAt: '2026-11-24T10:00:00.000+01:00', startedAt: '2026-11-24T10:00:01.500+01:00', finishedAt: null }),
    )

    expect(job.createdAt.toISOString()).toBe('2026-11-24T09:00:00.000Z')
    expect(job.startedAt?.toISOString()).toBe('2026-11-24T09:00:01.500Z')
    expect(job.finishedAt).toBeNull()
  })

  it('keeps the priority, and reads a missing one as normal', () => {
    expect(toJob(makeJobWire({ priority: 'high' })).priority).toBe('high')

    const { priority: _, ...before } = makeJobWire()
    expect(toJob(before as JobWire).priority).toBe('normal')
  })

  it('derives the progress from the counts', () => {
    const job = toJob(makeJobWire({ taskCount: 200, counts: makeCounts({ enqueued: 56, succeeded: 140, failed: 4 }) }))

    expect(job.progress.done).toBe(144)
    expect(job.progress.total).toBe(200)
  })
})

describe('toJobPage', () => {
  it('maps the items and keeps the paging', () => {
    const page = toJobPage(makePage([makeJobWire({ name: 'a' })], { totalCount: 73, totalPages: 2 }))

    expect(page.jobs.map((j) => j.name)).toEqual(['a'])
    expect(page.totalCount).toBe(73)
    expect(page.totalPages).toBe(2)
  })
})

describe('jobListPath', () => {
  it('asks for the page and size', () => {
    expect(jobListPath({ page: 1, pageSize: 50 })).toBe('/api/v1/jobs?page=1&pageSize=50')
  })

  it('adds the status filter when given', () => {
    expect(jobListPath({ page: 2, pageSize: 20, status: 'running' })).toBe('/api/v1/jobs?page=2&pageSize=20&status=running')
  })
})

describe('jobKeys', () => {
  it('nests every list under the jobs key, so invalidating jobs refreshes them all', () => {
    const key = jobKeys.list({ page: 1, pageSize: 50 })

    expect(key.slice(0, jobKeys.all.length)).toEqual([...jobKeys.all])
    expect(key).toEqual(['jobs', 'list', { page: 1, pageSize: 50 }])
  })
})

describe('jobListPath with a name', () => {
  it('sends the trimmed name and leaves out a blank one', () => {
    expect(jobListPath({ page: 1, pageSize: 50, name: '  demo ' })).toBe('/api/v1/jobs?page=1&pageSize=50&name=demo')
    expect(jobListPath({ page: 1, pageSize: 50, name: '   ' })).toBe('/api/v1/jobs?page=1&pageSize=50')
  })
})

describe('isFinished and retryableTaskCount', () => {
  it('knows the final job states', () => {
    expect(['completed', 'failed', 'cancelled'].map((status) => isFinished({ status: status as JobStatus }))).toEqual([true, true, true])
    expect(['pending', 'enqueued', 'running'].map((status) => isFinished({ status: status as JobStatus }))).toEqual([false, false, false])
  })

  it('counts failed, dead-lettered and cancelled tasks as retryable', () => {
    expect(retryableTaskCount({ counts: makeCounts({ failed: 2, deadLettered: 3, cancelled: 4, succeeded: 100 }) })).toBe(9)
  })
})

describe('describePace', () => {
  const now = new Date('2026-11-24T10:00:10Z')
  const pace = (overrides: Partial<Job>) => describePace({ ...toJob(makeJobWire({ taskCount: 100 })), ...overrides }, now)

  it('has nothing to say before the job starts or before a task finishes', () => {
    expect(pace({ startedAt: null })).toEqual({ perSecond: null, secondsLeft: null })
    expect(pace({ startedAt: new Date('2026-11-24T10:00:00Z'), progress: toTaskProgress(makeCounts({ running: 5, enqueued: 95 }), 100) })).toEqual({
      perSecond: null,
      secondsLeft: null,
    })
  })

  it('divides finished tasks by the seconds since the start, and estimates the rest at that pace', () => {
    const result = pace({ startedAt: new Date('2026-11-24T10:00:00Z'), progress: toTaskProgress(makeCounts({ succeeded: 40, enqueued: 60 }), 100) })

    expect(result.perSecond).toBe(4)
    expect(result.secondsLeft).toBe(15)
  })

  it('uses the whole run of a finished job, and gives no time left', () => {
    const result = pace({
      startedAt: new Date('2026-11-24T09:59:00Z'),
      finishedAt: new Date('2026-11-24T09:59:20Z'),
      progress: toTaskProgress(makeCounts({ succeeded: 100 }), 100),
    })

    expect(result).toEqual({ perSecond: 5, secondsLeft: null })
  })
})

describe('commands', () => {
  afterEach(() => vi.unstubAllGlobals())

  it('submits a job with its idempotency key and maps the answer', async () => {
    const wire = makeJobWire({ name: 'demo' })
    const fetch = vi.fn().mockResolvedValue(jsonResponse(wire, { status: 201 }))
    vi.stubGlobal('fetch', fetch)

    const job = await submitJob({ type: 'sleep', taskCount: 10, parameters: { ms: 5 } }, 'key-1')

    expect(job.name).toBe('demo')
    const [path, init] = fetch.mock.calls[0] as [string, RequestInit]
    expect(path).toBe('/api/v1/jobs')
    expect(init.method).toBe('POST')
    expect((init.headers as Record<string, string>)['Idempotency-Key']).toBe('key-1')
    expect(JSON.parse(init.body as string)).toEqual({ type: 'sleep', taskCount: 10, parameters: { ms: 5 } })
  })

  it('cancels and retries a job by its own path', async () => {
    const fetch = vi.fn().mockImplementation(async () => jsonResponse(makeJobWire()))
    vi.stubGlobal('fetch', fetch)

    await cancelJob('j1')
    await retryJob('j1')

    expect(fetch.mock.calls.map(([path]) => path)).toEqual(['/api/v1/jobs/j1/cancel', '/api/v1/jobs/j1/retry'])
  })

  it("carries the Api's refusal of a command", async () => {
    const problem = { title: 'The job cannot be cancelled.', status: 409, detail: 'Job j1 is completed.' }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(problem, { status: 409, contentType: 'application/problem+json' })))

    await expect(cancelJob('j1')).rejects.toMatchObject({ status: 409, detail: 'Job j1 is completed.' })
  })
})
