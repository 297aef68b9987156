import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { ApiError } from '../services/api'
import { POLL_INTERVAL_MS } from '../services/events'
import { failuresQuery, retryTask } from '../services/tasks'

const PAGE_SIZE = 50

/** /failures: failed and dead-lettered tasks across jobs, with their errors, and retry. */
export function FailuresPage() {
  const [page, setPage] = useState(1)
  const [message, setMessage] = useState<string | null>(null)
  const queryClient = useQueryClient()
  const { data, error } = useQuery({ ...failuresQuery(page, PAGE_SIZE), refetchInterval: POLL_INTERVAL_MS })

  const retry = async (taskId: string) => {
    try {
      await retryTask(taskId)
      setMessage(`Task ${taskId} is queued again.`)
      void queryClient.invalidateQueries({ queryKey: ['tasks'] })
    } catch (e) {
      setMessage(e instanceof ApiError ? `${e.title} ${e.detail ?? ''}` : String(e))
    }
  }

  return (
    <>
      <div className="page-heading">
        <h1>Failures</h1>
        {data && <p className="page-heading__meta">{data.totalCount.toLocaleString()} failed or dead-lettered tasks</p>}
      </div>
      {message && <p role="status">{message}</p>}
      {error && <p role="alert" className="error">The failures could not be loaded: {error.message}</p>}
      {data && data.items.length === 0 && <p className="state">No failed tasks. Tasks that fail for good, or whose worker keeps crashing, appear here.</p>}
      {data && data.items.length > 0 && (
        <table className="jobs">
          <thead><tr><th scope="col">Job</th><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Error</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr></thead>
          <tbody>
            {data.items.map((task) => (
              <tr key={task.id}>
                <td><Link to={`/jobs/${task.jobId}`}>{task.jobName ?? task.jobId}</Link></td>
                <td>{task.index}</td>
                <td>{task.status}</td>
                <td>{task.attemptCount}</td>
                <td className="error-text">{task.error}</td>
                <td><button type="button" onClick={() => void retry(task.id)}>Retry</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && data.totalPages > 1 && (
        <nav className="pager" aria-label="Failure pages">
          <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
          <span>Page {page} of {data.totalPages}</span>
          <button type="button" disabled={page >= data.totalPages} onClick={() => setPage(page + 1)}>Next</button>
        </nav>
      )}
    </>
  )
}
