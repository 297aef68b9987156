import { describe, expect, it } from 'vitest'
import { makeCounts, makeJobWire, makePage } from '../test/factories'
import { jobKeys, jobListPath, toJob, toJobPage, toTaskProgress } from './jobs'

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
