import { useQuery } from '@tanstack/react-query'
import { Link } from 'react-router'
import { POLL_INTERVAL_MS } from '../services/events'
import { workersQuery } from '../services/tasks'

/** /workers: the worker replicas seen in the last 10 minutes, what each runs, and how fast. */
export function WorkersPage() {
  const { data, error } = useQuery({ ...workersQuery, refetchInterval: POLL_INTERVAL_MS })
  return (
    <>
      <div className="page-heading"><h1>Workers</h1></div>
      {error && <p role="alert" className="error">The workers could not be loaded: {error.message}</p>}
      {data && data.length === 0 && <p className="state">No worker has reported in the last 10 minutes. Start some: dotnet run --project JobPlatform.AppHost</p>}
      {data && data.length > 0 && (
        <table className="jobs">
          <thead><tr><th scope="col">Worker</th><th scope="col">Status</th><th scope="col">Running</th><th scope="col">Tasks/s</th><th scope="col">Last heartbeat</th><th scope="col">Host</th></tr></thead>
          <tbody>
            {data.map((worker) => (
              <tr key={worker.id}>
                <td>{worker.id}</td>
                <td>{worker.status}</td>
                <td>
                  {worker.runningTasks.length} of {worker.slots}
                  <ul className="running">
                    {worker.runningTasks.slice(0, 5).map((t) => (
                      <li key={t.taskId}><Link to={`/jobs/${t.jobId}`}>{t.jobName}</Link> task {t.taskIndex}</li>
                    ))}
                  </ul>
                </td>
                <td>{worker.tasksPerSecond.toFixed(2)}</td>
                <td><time dateTime={worker.lastHeartbeatAt}>{Math.max(0, Math.round((Date.now() - Date.parse(worker.lastHeartbeatAt)) / 1000))} s ago</time></td>
                <td>{worker.host} (pid {worker.processId})</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
