import { describe, expect, it } from 'vitest'
import { makeWorkerWire } from '../test/factories'
import { toWorker, workersQuery } from './workers'

describe('toWorker', () => {
  it('parses timestamps, those of its running tasks too', () => {
    const worker = toWorker(
      makeWorkerWire({
        lastHeartbeatAt: '2026-11-24T10:00:00Z',
        runningTasks: [{ taskId: 't1', jobId: 'j1', jobName: 'demo', taskIndex: 3, attempt: 1, startedAt: '2026-11-24T09:59:59Z' }],
      }),
    )

    expect(worker.lastHeartbeatAt.toISOString()).toBe('2026-11-24T10:00:00.000Z')
    expect(worker.runningTasks[0]?.startedAt?.toISOString()).toBe('2026-11-24T09:59:59.000Z')
  })

  it('is asked for under one key', () => {
    expect(workersQuery.queryKey).toEqual(['workers'])
  })
})
