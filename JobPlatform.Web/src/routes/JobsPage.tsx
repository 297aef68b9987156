import { useQuery } from '@tanstack/react-query'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { EmptyJobs } from '../components/EmptyJobs'
import { JobsTable } from '../components/JobsTable'
import { ApiError } from '../services/api'
import { DEFAULT_PAGE_SIZE, jobListQuery } from '../services/jobs'

/** How often the jobs list asks the Api again. Defaults to 2 s. */
export const JOBS_REFRESH_INTERVAL_MS = 2_000

/** The Jobs page at "/": the newest jobs with their task progress, refreshed in place. */
export function JobsPage() {
  const { data, error, isPending } = useQuery({
    ...jobListQuery({ page: 1, pageSize: DEFAULT_PAGE_SIZE }),
    refetchInterval: JOBS_REFRESH_INTERVAL_MS,
    // The interval already asks again every 2 s; retrying in between would only hold
    // the error state back while the Api is down.
    retry: false,
  })

  return (
    <>
      <div className="page-heading">
        <h1>Jobs</h1>
        {data && <p className="page-heading__meta">{describeCount(data.jobs.length, data.totalCount)}</p>}
      </div>
      {error && <ApiErrorNotice {...describeError(error)} stale={data !== undefined} />}
      {isPending && !error && (
        <p className="state" role="status">
          Loading jobs…
        </p>
      )}
      {data && (data.jobs.length === 0 ? <EmptyJobs /> : <JobsTable jobs={data.jobs} />)}
    </>
  )
}

function describeCount(shown: number, total: number): string {
  if (shown < total) {
    return `Newest ${shown} of ${total.toLocaleString()} jobs`
  }
  return total === 1 ? '1 job' : `${total.toLocaleString()} jobs`
}

function describeError(error: Error): { unreachable: boolean; title?: string; detail?: string } {
  if (error instanceof ApiError) {
    return { unreachable: error.unreachable, title: error.title, detail: error.detail }
  }
  return { unreachable: false, title: 'The jobs could not be loaded', detail: error.message }
}
