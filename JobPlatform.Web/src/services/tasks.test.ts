import { describe, expect, it } from 'vitest'
import { makeTaskWire } from '../test/factories'
import { jobKeys } from './jobs'
import { failuresPath, failuresQuery, isRetryable, jobTasksQuery, taskKeys, timelineQuery, toTask, toTaskPage } from './tasks'

describe('toTask', () => {
  it('parses timestamps and attempts, and keeps nulls', () => {
    const task = toTask(
      makeTaskWire({
        startedAt: '2026-11-24T10:00:00Z',
        finishedAt: null,
        attempts: [
          { id: 'a1', number: 1, workerId: 'worker-1', startedAt: '2026-11-24T10:00:00Z', endedAt: '2026-11-24T10:00:01Z', outcome: 'failed', error: 'Boom', errorDetail: null },
        ],
      }),
    )

    expect(task.startedAt?.toISOString()).toBe('2026-11-24T10:00:00.000Z')
    expect(task.finishedAt).toBeNull()
    expect(task.attempts?.[0]?.endedAt?.toISOString()).toBe('2026-11-24T10:00:01.000Z')
    expect(task.attempts?.[0]?.outcome).toBe('failed')
  })

  it('leaves attempts out of tasks from a list', () => {
    expect(toTask(makeTaskWire()).attempts).toBeNull()
  })

  it('maps a page and keeps its paging', () => {
    const page = toTaskPage({ items: [makeTaskWire({ index: 7 })], page: 2, pageSize: 50, totalCount: 51, totalPages: 2 })
    expect(page.tasks.map((t) => t.index)).toEqual([7])
    expect(page.totalPages).toBe(2)
  })
})

describe('isRetryable', () => {
  it('allows a retry from failed, dead-lettered and cancelled only', () => {
    expect(isRetryable({ status: 'failed' })).toBe(true)
    expect(isRetryable({ status: 'dead_lettered' })).toBe(true)
    expect(isRetryable({ status: 'cancelled' })).toBe(true)
    expect(isRetryable({ status: 'succeeded' })).toBe(false)
    expect(isRetryable({ status: 'running' })).toBe(false)
  })
})

describe('query keys', () => {
  it("nests a job's task pages and timeline under the job, so a tasks event reaches them", () => {
    const tasks = jobTasksQuery('j1', { page: 1, pageSize: 50, status: 'failed' }).queryKey
    const timeline = timelineQuery('j1').queryKey

    expect(tasks.slice(0, 3)).toEqual([...jobKeys.tasks('j1')])
    expect(timeline.slice(0, 3)).toEqual([...jobKeys.timeline('j1')])
    expect(tasks.slice(0, 1)).toEqual([...jobKeys.all])
  })

  it('nests failures and task details under tasks', () => {
    expect(failuresQuery({ page: 2, pageSize: 50 }).queryKey).toEqual(['tasks', 'failures', { page: 2, pageSize: 50 }])
    expect(taskKeys.detail('t1')).toEqual(['tasks', 'detail', 't1'])
  })
})

describe('failuresPath', () => {
  it('asks for failed and dead-lettered tasks, one page', () => {
    expect(failuresPath({ page: 3, pageSize: 50 })).toBe('/api/v1/tasks?status=failed&status=dead_lettered&page=3&pageSize=50')
  })
})
