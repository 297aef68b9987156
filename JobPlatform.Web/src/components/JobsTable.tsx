import { Link } from 'react-router'
import { describeDuration } from '../services/format'
import type { Job } from '../services/jobs'
import { JobStatusBadge } from './JobStatusBadge'
import { PriorityBadge } from './PriorityBadge'
import { RelativeTime } from './RelativeTime'
import { TaskProgressBar } from './TaskProgressBar'

export interface JobsTableProps {
  jobs: Job[]
  /** The time relative times and running durations count from. Defaults to the time of rendering. */
  now?: Date
}

/** One row per job, in the order given (the Api sends newest first); a priority other than normal is marked by the name. */
export function JobsTable({ jobs, now = new Date() }: JobsTableProps) {
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
              <div className="jobs__name">
                <Link to={`/jobs/${job.id}`}>{job.name}</Link>
                <PriorityBadge priority={job.priority} />
              </div>
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
              <RelativeTime date={job.createdAt} now={now} />
            </td>
            <td className="numeric">{describeDuration(job.startedAt, job.finishedAt, now)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
