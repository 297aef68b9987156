import { describe, expect, it } from 'vitest'
import { describeTimeline, toTimelineLanes } from './timeline'

const item = (taskIndex: number, workerId: string, startedAt: string, endedAt: string | null, outcome: string | null, attempt = 1) => ({
  taskId: `t${taskIndex}`,
  taskIndex,
  attempt,
  workerId,
  startedAt,
  endedAt,
  outcome,
})

describe('toTimelineLanes', () => {
  it('gives each worker a lane and each attempt a bar, a running one ending now', () => {
    const now = new Date('2026-11-24T10:00:10Z')
    const lanes = toTimelineLanes(
      [
        item(0, 'worker-2', '2026-11-24T10:00:00Z', '2026-11-24T10:00:01Z', 'succeeded'),
        item(1, 'worker-1', '2026-11-24T10:00:00Z', '2026-11-24T10:00:02Z', 'failed'),
        item(1, 'worker-2', '2026-11-24T10:00:03Z', null, null, 2),
      ],
      now,
    )

    expect(lanes.workers).toEqual(['worker-1', 'worker-2'])
    expect(lanes.bars.map((bar) => [bar.lane, bar.outcome])).toEqual([
      [1, 'succeeded'],
      [0, 'failed'],
      [1, 'running'],
    ])
    expect(lanes.bars[2]?.end).toBe(now.getTime())
    // worker-2 ran task 0 (0-1 s) and task 1 (from 3 s): one row is enough.
    expect(lanes.rows).toEqual([1, 1])
    expect(lanes.bars[2]?.label).toBe('task 1, attempt 2: running')
  })

  it('gives attempts that overlap on one worker rows of their own', () => {
    const lanes = toTimelineLanes(
      [
        item(0, 'w', '2026-11-24T10:00:00Z', '2026-11-24T10:00:05Z', 'succeeded'),
        item(1, 'w', '2026-11-24T10:00:01Z', '2026-11-24T10:00:02Z', 'succeeded'),
        item(2, 'w', '2026-11-24T10:00:03Z', '2026-11-24T10:00:04Z', 'succeeded'),
      ],
      new Date(),
    )
    expect(lanes.bars.map((bar) => bar.row)).toEqual([0, 1, 1])
    expect(lanes.rows).toEqual([2])
  })

  it('describes the chart in words, saying when it shows only the first attempts', () => {
    const lanes = toTimelineLanes([item(0, 'w', '2026-11-24T10:00:00Z', '2026-11-24T10:00:01Z', 'succeeded')], new Date())
    expect(describeTimeline(lanes, 1)).toBe('1 attempts on 1 worker: 1 succeeded')
    expect(describeTimeline(lanes, 5000)).toContain('(the first 1 of 5,000)')
  })
})
