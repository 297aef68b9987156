import { useQuery } from '@tanstack/react-query'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { WorkersTable } from '../components/WorkersTable'
import { describeApiError } from '../services/api'
import { useNow } from '../services/clock'
import { POLL_INTERVAL_MS } from '../services/events'
import { plural } from '../services/format'
import { workersQuery } from '../services/workers'

/**
 * /workers: the worker replicas the Api has heard from lately, what each runs and how fast. Asked
 * for every 2 s: workers report by heartbeat, which the event stream does not carry.
 */
export function WorkersPage() {
  const now = useNow()
  const { data, error, isPending } = useQuery({ ...workersQuery, refetchInterval: POLL_INTERVAL_MS, retry: false })
  const active = data?.filter((w) => w.status === 'active') ?? []
  return (
    <>
      <title>Workers · JobPlatform</title>
      <div className="page-heading">
        <h1>Workers</h1>
        {data && (
          <p className="page-heading__meta">
            {plural(active.length, 'active worker')}, {plural(active.reduce((sum, w) => sum + w.slots, 0), 'slot')},{' '}
            {active.reduce((sum, w) => sum + w.tasksPerSecond, 0).toFixed(1)} tasks/s
          </p>
        )}
      </div>
      {error && <ApiErrorNotice {...describeApiError(error, 'The workers could not be loaded')} stale={data !== undefined} />}
      {isPending && !error && (
        <p className="state" role="status">
          Loading workers…
        </p>
      )}
      {data && data.length === 0 && (
        <p className="state">
          No worker has reported lately. Start the platform with <code>dotnet run --project JobPlatform.AppHost</code>; its workers
          appear here within seconds.
        </p>
      )}
      {data && data.length > 0 && <WorkersTable workers={data} now={now} />}
    </>
  )
}
