import { describe, expect, it } from 'vitest'
import { makeTimelineItem } from '../test/factories'
import { barRect, chartHeight, clipRect, countOutcomes, describeTimeline, laneHeight, toSeriesData, toTimelineLanes } from './timeline'

const item = (taskIndex: number, workerId: string, startedAt: string, endedAt: string | null, outcome: 'succeeded' | 'failed' | null, attempt = 1) =>
  makeTimelineItem({ taskId: `t${taskIndex}`, taskIndex, attempt, workerId, startedAt, endedAt, outcome })

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
    expect(lanes.bars[2]?.label).toBe('Task 1, attempt 2 on worker-2: running, 7.00 s')
  })

  it('takes an attempt that ended without an outcome for lost', () => {
    const lanes = toTimelineLanes([item(0, 'w', '2026-11-24T10:00:00Z', '2026-11-24T10:00:30Z', null)], new Date())
    expect(lanes.bars[0]?.outcome).toBe('lost')
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

  it('lays out a job of 1,000 tasks on 3 workers of 4 slots in 4 rows each', () => {
    const start = Date.parse('2026-11-24T10:00:00Z')
    const items = Array.from({ length: 1000 }, (_, i) => {
      const slot = i % 12
      const round = Math.floor(i / 12)
      return item(i, `worker-${slot % 3}`, new Date(start + round * 100).toISOString(), new Date(start + round * 100 + 90).toISOString(), 'succeeded')
    })

    const lanes = toTimelineLanes(items, new Date())

    expect(lanes.workers).toHaveLength(3)
    expect(lanes.rows).toEqual([4, 4, 4])
    expect(describeTimeline(lanes, 1000)).toBe('1,000 attempts on 3 workers: 1,000 succeeded')
    expect(toSeriesData(lanes)).toHaveLength(1000)
  })
})

describe('describeTimeline', () => {
  it('describes the chart in words, saying when it shows only the first attempts', () => {
    const lanes = toTimelineLanes([item(0, 'w', '2026-11-24T10:00:00Z', '2026-11-24T10:00:01Z', 'succeeded')], new Date())
    expect(describeTimeline(lanes, 1)).toBe('1 attempt on 1 worker: 1 succeeded')
    expect(describeTimeline(lanes, 5000)).toBe('1 attempt on 1 worker (the first 1 of 5,000): 1 succeeded')
  })

  it('says what will appear before any attempt', () => {
    expect(describeTimeline(toTimelineLanes([], new Date()), 0)).toBe('No attempts yet: bars appear here as workers pick up tasks.')
  })

  it('counts each outcome', () => {
    const lanes = toTimelineLanes(
      [
        item(0, 'w', '2026-11-24T10:00:00Z', '2026-11-24T10:00:01Z', 'failed'),
        item(0, 'w', '2026-11-24T10:00:02Z', null, null, 2),
      ],
      new Date('2026-11-24T10:00:03Z'),
    )
    expect(countOutcomes(lanes)).toEqual({ succeeded: 0, failed: 1, lost: 0, released: 0, running: 1 })
    expect(describeTimeline(lanes, 2)).toBe('2 attempts on 1 worker: 1 failed, 1 running')
  })
})

describe('geometry', () => {
  it('makes lanes tall enough for their rows, within bounds', () => {
    const lanes = (rows: number[]) => ({ workers: rows.map((_, i) => `w${i}`), rows, bars: [] })
    expect(laneHeight(lanes([1]))).toBe(36)
    expect(laneHeight(lanes([2, 8]))).toBe(64)
    expect(laneHeight(lanes([64]))).toBe(160)
    expect(chartHeight(lanes([8, 8, 8]))).toBe(3 * 64 + 12 + 64)
  })

  it('puts a bar in its row of the lane, at least a pixel wide', () => {
    expect(barRect([100, 50], [100, 50], 40, 1, 2)).toEqual({ x: 100, y: 50 - 16 + 16, width: 1, height: 16 * 0.85 })
  })

  it('clips a bar to the plot, and drops one outside it', () => {
    const plot = { x: 0, y: 0, width: 100, height: 100 }
    expect(clipRect({ x: -10, y: 10, width: 30, height: 10 }, plot)).toEqual({ x: 0, y: 10, width: 20, height: 10 })
    expect(clipRect({ x: 120, y: 10, width: 30, height: 10 }, plot)).toBeNull()
  })
})
