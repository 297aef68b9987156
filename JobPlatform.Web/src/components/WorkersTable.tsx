import { Link } from 'react-router'
import { formatCount } from '../services/format'
import type { Worker } from '../services/workers'
import { RelativeTime } from './RelativeTime'

export interface WorkersTableProps {
  workers: Worker[]
  now: Date
}

/** How many running tasks a row lists before it says "and N more". */
export const MAX_RUNNING_LISTED = 5

/** One row per worker replica: its status in words, the queues it serves, what it runs, how fast, and when it last reported. */
export function WorkersTable({ workers, now }: WorkersTableProps) {
  return (
    <table className="jobs">
      <thead>
        <tr>
          <th scope="col">Worker</th>
          <th scope="col">Host</th>
          <th scope="col">Status</th>
          <th scope="col">Queues</th>
          <th scope="col">Running</th>
          <th scope="col">Tasks/s</th>
          <th scope="col">Last heartbeat</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {workers.map((worker) => {
          const more = worker.runningTasks.length - MAX_RUNNING_LISTED
          return (
            <tr key={worker.id} className={worker.status === 'gone' ? 'row--gone' : undefined}>
              <td>
                <code>{worker.id}</code>
              </td>
              <td>
                {worker.host} <span className="muted">(pid {worker.processId})</span>
              </td>
              <td>
                <span className={`badge badge--${worker.status === 'active' ? 'success' : 'muted'}`}>{worker.status}</span>
              </td>
              <td>{worker.queues.join(', ')}</td>
              <td>
                {worker.runningTasks.length} of {worker.slots} slots
                {worker.runningTasks.length > 0 && (
                  <ul className="running">
                    {worker.runningTasks.slice(0, MAX_RUNNING_LISTED).map((task) => (
                      <li key={task.taskId}>
                        <Link to={`/jobs/${task.jobId}`}>
                          {task.jobName} task {task.taskIndex}
                        </Link>
                        {task.attempt > 1 && <span className="muted"> (attempt {task.attempt})</span>}
                      </li>
                    ))}
                    {more > 0 && <li className="muted">and {formatCount(more)} more</li>}
                  </ul>
                )}
              </td>
              <td className="numeric" title={`${formatCount(worker.completedLastMinute)} tasks in the last minute`}>
                {worker.tasksPerSecond.toFixed(2)}
              </td>
              <td>
                <RelativeTime date={worker.lastHeartbeatAt} now={now} />
              </td>
              <td>
                <RelativeTime date={worker.startedAt} now={now} />
              </td>
            </tr>
          )
        })}
      </tbody>
    </table>
  )
}
