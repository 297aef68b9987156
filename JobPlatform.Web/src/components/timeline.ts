import type { TimelineItemWire } from '../services/tasks'

/** How an attempt on the timeline ended; running while it has no end. */
export type BarOutcome = 'succeeded' | 'failed' | 'lost' | 'released' | 'running'

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

/** Colours by outcome; the legend names them in text too, so colour is never the only cue. */
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
    const outcome = (item.endedAt === null ? 'running' : (item.outcome ?? 'lost')) as BarOutcome
    return {
      lane: lanes.get(item.workerId)!,
      row: 0,
      start: Date.parse(item.startedAt),
      end: item.endedAt === null ? now.getTime() : Date.parse(item.endedAt),
      outcome,
      label: `task ${item.taskIndex}, attempt ${item.attempt}: ${outcome}`,
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

/** What the chart shows, in words: for screen readers and anyone who cannot tell the colours apart. */
export function describeTimeline(lanes: TimelineLanes, totalCount: number): string {
  const attempts = lanes.bars.length
  const counts = Object.entries(
    lanes.bars.reduce<Record<string, number>>((sum, bar) => ({ ...sum, [bar.outcome]: (sum[bar.outcome] ?? 0) + 1 }), {}),
  )
    .map(([outcome, n]) => `${n.toLocaleString()} ${outcome}`)
    .join(', ')
  const shown = totalCount > attempts ? ` (the first ${attempts.toLocaleString()} of ${totalCount.toLocaleString()})` : ''
  return `${attempts.toLocaleString()} attempts on ${lanes.workers.length} worker${lanes.workers.length === 1 ? '' : 's'}${shown}${counts ? `: ${counts}` : ''}`
}
