import { formatCount } from '../services/format'
import type { TaskProgress } from '../services/jobs'

export interface TaskProgressBarProps {
  progress: TaskProgress
}

type SegmentKey = 'succeeded' | 'failed' | 'cancelled' | 'running'

// Final states first, so the coloured part grows from the left as tasks finish;
// whatever is left (pending, enqueued, retrying) is the grey track behind them.
const SEGMENTS: { key: SegmentKey; label: string }[] = [
  { key: 'succeeded', label: 'succeeded' },
  { key: 'failed', label: 'failed' },
  { key: 'cancelled', label: 'cancelled' },
  { key: 'running', label: 'running' },
]

const percent = (part: number, total: number) => (total > 0 ? (part / total) * 100 : 0)

/** A job's tasks as one bar split by task status, with "done of total" beside it. */
export function TaskProgressBar({ progress }: TaskProgressBarProps) {
  const { total, done } = progress
  const summary = `${formatCount(done)} of ${formatCount(total)} done`
  const breakdown = SEGMENTS.map(({ key, label }) => `${formatCount(progress[key])} ${label}`).join(', ')
  return (
    <div className="progress">
      <div
        className="progress__track"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={done}
        aria-valuetext={summary}
        title={breakdown}
      >
        {SEGMENTS.filter(({ key }) => progress[key] > 0).map(({ key, label }) => (
          <span
            key={key}
            className={`progress__segment progress__segment--${key}`}
            style={{ width: `${percent(progress[key], total)}%` }}
            aria-label={`${formatCount(progress[key])} ${label}`}
          />
        ))}
      </div>
      <span className="progress__text">{summary}</span>
    </div>
  )
}
