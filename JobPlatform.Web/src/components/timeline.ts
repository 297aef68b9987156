import { formatSeconds, plural } from '../services/format'
import type { TimelineItemWire } from '../services/tasks'

/** How an attempt on the timeline ended; running while it has no end. */
export type BarOutcome = 'succeeded' | 'failed' | 'lost' | 'released' | 'running'

export const BAR_OUTCOMES: readonly BarOutcome[] = ['succeeded', 'failed', 'lost', 'released', 'running']

export interface TimelineBar {
  lane: number
  /** The row within the lane: attempts that overlap on one worker get rows of their own. */
  row: number
  start: number
  end: number
  outcome: BarOutcome
  label: string
}

export interface TimelineLanes {
  workers: string[]
  /** Rows per lane: the most attempts the worker ran at once. */
  rows: number[]
  bars: TimelineBar[]
}

/**
 * Colours by outcome, told apart by hue and lightness alike; the legend names them in text too,
 * so colour is never the only cue.
 */
export const OUTCOME_COLOURS: Record<BarOutcome, string> = {
  succeeded: '#2e9d57',
  failed: '#d64545',
  lost: '#e08a1e',
  released: '#8a8f98',
  running: '#3b82f6',
}

/** One lane per worker (sorted by name), one bar per attempt; a running attempt ends at `now`. */
export function toTimelineLanes(items: TimelineItemWire[], now: Date): TimelineLanes {
  const workers = [...new Set(items.map((item) => item.workerId))].sort()
  const lanes = new Map(workers.map((worker, index) => [worker, index]))
  const bars: TimelineBar[] = items.map((item) => {
    // An attempt that ended without an outcome was closed by the Api without a report: lost.
    const outcome: BarOutcome = item.endedAt === null ? 'running' : (item.outcome ?? 'lost')
    const start = Date.parse(item.startedAt)
    const end = item.endedAt === null ? Math.max(start, now.getTime()) : Date.parse(item.endedAt)
    return {
      lane: lanes.get(item.workerId)!,
      row: 0,
      start,
      end,
      outcome,
      label: `Task ${item.taskIndex}, attempt ${item.attempt} on ${item.workerId}: ${outcome}, ${formatSeconds((end - start) / 1000)}`,
    }
  })
  // Within a lane, each attempt takes the first row free when it starts (interval partitioning),
  // so a worker running 16 tasks at once shows 16 thin rows instead of one smear.
  const rowEnds: number[][] = workers.map(() => [])
  for (const bar of [...bars].sort((a, b) => a.start - b.start)) {
    const ends = rowEnds[bar.lane]!
    const free = ends.findIndex((end) => end <= bar.start)
    bar.row = free === -1 ? ends.length : free
    ends[bar.row] = bar.end
  }
  return { workers, rows: rowEnds.map((ends) => Math.max(1, ends.length)), bars }
}

/** How many attempts ended each way. */
export function countOutcomes(lanes: TimelineLanes): Record<BarOutcome, number> {
  const counts = Object.fromEntries(BAR_OUTCOMES.map((o) => [o, 0])) as Record<BarOutcome, number>
  for (const bar of lanes.bars) {
    counts[bar.outcome]++
  }
  return counts
}

/**
 * What the chart shows, in words, for screen readers and anyone who cannot tell the colours apart:
 * "1,000 attempts on 3 workers: 990 succeeded, 10 failed".
 */
export function describeTimeline(lanes: TimelineLanes, totalCount: number): string {
  const attempts = lanes.bars.length
  if (attempts === 0) {
    return 'No attempts yet: bars appear here as workers pick up tasks.'
  }
  const counts = countOutcomes(lanes)
  const outcomes = BAR_OUTCOMES.filter((o) => counts[o] > 0)
    .map((o) => `${counts[o].toLocaleString('en-US')} ${o}`)
    .join(', ')
  const shown = totalCount > attempts ? ` (the first ${attempts.toLocaleString('en-US')} of ${totalCount.toLocaleString('en-US')})` : ''
  return `${plural(attempts, 'attempt')} on ${plural(lanes.workers.length, 'worker')}${shown}: ${outcomes}`
}

/** A lane is as tall as its busiest moment needs, within bounds, so rows stay visible. */
export function laneHeight(lanes: TimelineLanes): number {
  const rows = Math.max(1, ...lanes.rows)
  return Math.min(160, Math.max(36, rows * 8))
}

export const CHART_MARGIN = { left: 110, right: 24, top: 12, bottom: 64 }

export function chartHeight(lanes: TimelineLanes): number {
  return Math.max(1, lanes.workers.length) * laneHeight(lanes) + CHART_MARGIN.top + CHART_MARGIN.bottom
}

/**
 * The series data: [lane, start, end, row, rows in lane, outcome index]. ECharts filters on
 * dimensions 1 and 2 (x) when zooming; the rest tell renderItem where to draw and in which colour.
 */
export function toSeriesData(lanes: TimelineLanes): { value: number[]; name: string }[] {
  return lanes.bars.map((bar) => ({
    value: [bar.lane, bar.start, bar.end, bar.row, lanes.rows[bar.lane] ?? 1, BAR_OUTCOMES.indexOf(bar.outcome)],
    name: bar.label,
  }))
}

export interface Rect {
  x: number
  y: number
  width: number
  height: number
}

/** The part of `rect` inside `bounds`, or null when none is. */
export function clipRect(rect: Rect, bounds: Rect): Rect | null {
  const x = Math.max(rect.x, bounds.x)
  const y = Math.max(rect.y, bounds.y)
  const right = Math.min(rect.x + rect.width, bounds.x + bounds.width)
  const bottom = Math.min(rect.y + rect.height, bounds.y + bounds.height)
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null
}

/**
 * Where one attempt's bar goes: from its start to its end (at least a pixel wide, so a 1 ms
 * attempt still shows), in its row of its worker's lane.
 */
export function barRect(
  start: [number, number],
  end: [number, number],
  laneBand: number,
  row: number,
  rows: number,
): Rect {
  const band = laneBand * 0.8
  const rowHeight = band / rows
  return {
    x: start[0],
    y: start[1] - band / 2 + row * rowHeight,
    width: Math.max(1, end[0] - start[0]),
    height: Math.max(1, rowHeight * 0.85),
  }
}
