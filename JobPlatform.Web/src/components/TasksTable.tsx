import { Fragment, type ReactNode } from 'react'
import { describeDuration } from '../services/format'
import { isRetryable, type Task, type TaskProgress } from '../services/tasks'
import { TaskStatusBadge } from './TaskStatusBadge'

export interface TasksTableProps {
  tasks: Task[]
  now: Date
  /** The task whose attempts are shown under its row, if any. */
  openedTaskId: string | null
  onToggle: (taskId: string) => void
  /** What the opened row shows: its attempts, fetched by the page. */
  renderAttempts: (task: Task) => ReactNode
  onRetry: (task: Task) => void
  /** Tasks whose retry is on its way; their buttons are disabled. */
  retrying?: ReadonlySet<string>
}

const COLUMNS = 7

/** A job's tasks, one row each; the index opens the task's attempts under its row. */
export function TasksTable({ tasks, now, openedTaskId, onToggle, renderAttempts, onRetry, retrying }: TasksTableProps) {
  return (
    <table className="jobs tasks">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Status</th>
          <th scope="col">Attempts</th>
          <th scope="col">Worker</th>
          <th scope="col">Duration</th>
          <th scope="col">Error</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {tasks.length === 0 && (
          <tr>
            <td colSpan={COLUMNS} className="empty-row">
              No task in this state.
            </td>
          </tr>
        )}
        {tasks.map((task) => {
          const opened = openedTaskId === task.id
          return (
            <Fragment key={task.id}>
              <tr>
                <td>
                  <button
                    type="button"
                    className="link"
                    aria-expanded={opened}
                    aria-label={`Task ${task.index}: ${opened ? 'hide' : 'show'} attempts`}
                    onClick={() => onToggle(task.id)}
                  >
                    {task.index}
                  </button>
                </td>
                <td>
                  <TaskStatusBadge status={task.status} />
                  {task.status === 'running' && task.progress && <ProgressNote progress={task.progress} />}
                </td>
                <td className="numeric">
                  {task.attemptCount} of {task.maxAttempts}
                </td>
                <td>{task.workerId ?? '–'}</td>
                <td className="numeric">{describeDuration(task.startedAt, task.finishedAt, now)}</td>
                <td className="error-text">{task.error ?? ''}</td>
                <td>
                  {isRetryable(task) && (
                    <button type="button" disabled={retrying?.has(task.id)} onClick={() => onRetry(task)}>
                      Retry
                    </button>
                  )}
                </td>
              </tr>
              {opened && (
                <tr className="attempts-row">
                  <td colSpan={COLUMNS}>{renderAttempts(task)}</td>
                </tr>
              )}
            </Fragment>
          )
        })}
      </tbody>
    </table>
  )
}

/** A running task's progress, as its handler last said: a bar when it gave a fraction, and its message. */
function ProgressNote({ progress }: { progress: TaskProgress }) {
  const percent = progress.fraction === null ? null : Math.round(progress.fraction * 100)
  return (
    <span className="task-progress">
      {percent !== null && <progress max={100} value={percent} aria-label={`${percent} % done`} />}
      {percent !== null && ` ${percent} %`}
      {progress.message && ` ${progress.message}`}
    </span>
  )
}
