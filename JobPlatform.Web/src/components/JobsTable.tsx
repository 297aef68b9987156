import { Link } from 'react-router'
import type { Job } from '../services/jobs'
import { JobStatusBadge } from './JobStatusBadge'
import { TaskProgressBar } from './TaskProgressBar'

export interface JobsTableProps {
  jobs: Job[]
}

const createdFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

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
              <time dateTime={job.createdAt.toISOString()} title={job.createdAt.toISOString()}>
                {createdFormat.format(job.createdAt)}
              </time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
