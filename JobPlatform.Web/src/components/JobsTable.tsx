import { Link } from 'react-router'
import type { Job } from '../services/jobs'
import { JobStatusBadge } from './JobStatusBadge'
import { TaskProgressBar } from './TaskProgressBar'

export interface JobsTableProps {
  jobs: Job[]
}

const createdFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' })

/** "12 seconds ago", "3 hours ago": how long ago, in the largest unit that fits. */
export function relativeTime(then: Date, now: Date): string {
  const seconds = Math.round((then.getTime() - now.getTime()) / 1000)
  const units: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86_400], ['hour', 3_600], ['minute', 60]]
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) {
      return relative.format(Math.round(seconds / size), unit)
    }
  }
  return relative.format(seconds, 'second')
}

/** How long the job ran: until it finished, or so far; a dash before it starts. */
export function describeDuration(startedAt: Date | null, finishedAt: Date | null, now: Date): string {
  if (!startedAt) {
    return '–'
  }
  const seconds = ((finishedAt ?? now).getTime() - startedAt.getTime()) / 1000
  const text = seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`
  return finishedAt ? text : `${text} so far`
}

/** One row per job, in the order given (the Api sends newest first). */
export function JobsTable({ jobs }: JobsTableProps) {
  return (
    <table className="jobs">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Tasks</th>
          <th scope="col">Created</th>
          <th scope="col">Duration</th>
        </tr>
      </thead>
      <tbody>
        {jobs.map((job) => (
          <tr key={job.id}>
            <td>
              <div className="jobs__name"><Link to={`/jobs/${job.id}`}>{job.name}</Link></div>
              <div className="jobs__id" title={job.id}>
                {job.id}
              </div>
            </td>
            <td>
              <code>{job.type}</code>
            </td>
            <td>
              <JobStatusBadge status={job.status} />
            </td>
            <td className="jobs__progress">
              <TaskProgressBar progress={job.progress} />
            </td>
            <td>
              <time dateTime={job.createdAt.toISOString()} title={createdFormat.format(job.createdAt)}>
                {relativeTime(job.createdAt, new Date())}
              </time>
            </td>
            <td>{describeDuration(job.startedAt, job.finishedAt, new Date())}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
