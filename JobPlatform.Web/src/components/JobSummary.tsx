import { Link } from 'react-router'
import { absoluteTime, describeDuration, formatCount, formatSeconds } from '../services/format'
import { DEFAULT_QUEUE, describePace, type Job } from '../services/jobs'
import { TaskProgressBar } from './TaskProgressBar'

export interface JobSummaryProps {
  job: Job
  /** The time the pace, the time left and a running duration count to. */
  now: Date
}

/** "4.00 tasks/s", "38.5 tasks/s", "1,204 tasks/s". */
export function formatRate(perSecond: number): string {
  const digits = perSecond >= 100 ? 0 : perSecond >= 10 ? 1 : 2
  return `${perSecond.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} tasks/s`
}

/**
 * A job's progress in figures: how far, how fast, how long still, and the settings it runs with;
 * when it runs, for a job submitted to run later, and the schedule that submitted it.
 */
export function JobSummary({ job, now }: JobSummaryProps) {
  const { counts } = job
  const pace = describePace(job, now)
  const waiting = counts.pending + counts.enqueued + counts.retrying
  const figures: [string, string][] = [
    ['Done', `${formatCount(job.progress.done)} of ${formatCount(job.progress.total)}`],
    ['Succeeded', formatCount(counts.succeeded)],
    ['Running', formatCount(counts.running)],
    ['Waiting', formatCount(waiting)],
    ['Failed', formatCount(counts.failed + counts.deadLettered)],
    ['Cancelled', formatCount(counts.cancelled)],
    ['Throughput', pace.perSecond === null ? '–' : formatRate(pace.perSecond)],
    ['Time left', pace.secondsLeft === null ? '–' : `about ${formatSeconds(pace.secondsLeft)}`],
    ['Duration', describeDuration(job.startedAt, job.finishedAt, now)],
  ]
  return (
    <div className="job-summary">
      <TaskProgressBar progress={job.progress} />
      <dl className="job-summary__figures">
        {figures.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {(job.runAt || job.scheduleId) && (
        <p className="job-summary__origin">
          {job.runAt && (
            <span>
              Runs at <time dateTime={job.runAt.toISOString()}>{absoluteTime(job.runAt)}</time>
            </span>
          )}
          {job.runAt && job.scheduleId && ' · '}
          {job.scheduleId && <Link to={`/schedules/${job.scheduleId}`}>From schedule</Link>}
        </p>
      )}
      <p className="job-summary__settings">
        Up to {job.maxAttempts} attempts per task · the job fails when {formatCount(job.failureThreshold + 1)}{' '}
        {job.failureThreshold === 0 ? 'task fails' : 'tasks fail'} for good · {job.timeoutSeconds === null ? 'no timeout' : `timeout ${job.timeoutSeconds} s`} ·{' '}
        {job.priority} priority
        {job.queue !== DEFAULT_QUEUE && (
          <>
            {' '}· queue <code>{job.queue}</code>
          </>
        )}
        {Object.keys(job.parameters).length > 0 && (
          <>
            {' '}· parameters <code>{JSON.stringify(job.parameters)}</code>
          </>
        )}
      </p>
    </div>
  )
}
