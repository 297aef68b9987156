import { Link } from 'react-router'
import type { Task } from '../services/tasks'
import { RelativeTime } from './RelativeTime'
import { TaskStatusBadge } from './TaskStatusBadge'

export interface FailuresTableProps {
  tasks: Task[]
  now: Date
  onRetry: (task: Task) => void
  /** Tasks whose retry is on its way; their buttons are disabled. */
  retrying?: ReadonlySet<string>
}

/** Failed and dead-lettered tasks across jobs, each with its job, error and a Retry button. */
export function FailuresTable({ tasks, now, onRetry, retrying }: FailuresTableProps) {
  return (
    <table className="jobs">
      <thead>
        <tr>
          <th scope="col">Job</th>
          <th scope="col">Task</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Error</th>
          <th scope="col">Finished</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => (
          <tr key={task.id}>
            <td>
              <Link to={`/jobs/${task.jobId}`}>{task.jobName ?? task.jobId}</Link>
            </td>
            <td className="numeric">{task.index}</td>
            <td>
              <TaskStatusBadge status={task.status} />
            </td>
            <td className="numeric">
              {task.attemptCount} of {task.maxAttempts}
            </td>
            <td className="error-text">{task.error ?? ''}</td>
            <td>
              <RelativeTime date={task.finishedAt} now={now} />
            </td>
            <td>
              <button type="button" disabled={retrying?.has(task.id)} onClick={() => onRetry(task)}>
                Retry
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
