import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { Link } from 'react-router'
import { useSearchState } from '../services/searchParams'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { EmptyJobs } from '../components/EmptyJobs'
import { JobsTable } from '../components/JobsTable'
import { Pager } from '../components/Pager'
import { describeApiError } from '../services/api'
import { useNow } from '../services/clock'
import { usePollInterval } from '../services/events'
import { formatCount, plural } from '../services/format'
import { DEFAULT_PAGE_SIZE, JOB_STATUSES, jobListQuery, type JobStatus } from '../services/jobs'

/** How long the name filter waits after the last key before it asks the Api. Defaults to 300 ms. */
export const NAME_FILTER_DELAY_MS = 300

/**
 * The Jobs page at "/": jobs newest first with their task progress, filtered by status and name
 * and paged, all kept in the URL so a view can be shared or bookmarked. It refreshes in place: on
 * events while the stream is live, every 2 s otherwise.
 */
export function JobsPage() {
  const [search, update] = useSearchState()
  const statusParam = search.get('status') ?? ''
  const status = (JOB_STATUSES as readonly string[]).includes(statusParam) ? (statusParam as JobStatus) : undefined
  const page = Math.max(1, Math.floor(Number(search.get('page') ?? '1')) || 1)
  const nameParam = search.get('name') ?? ''
  const [name, setName] = useState(nameParam)
  const now = useNow()


  // The name filter follows typing after a pause, not on every key.
  useEffect(() => {
    if (name.trim() === nameParam) {
      return
    }
    const timer = setTimeout(() => update({ name: name.trim(), page: '' }), NAME_FILTER_DELAY_MS)
    return () => clearTimeout(timer)
    // Only typing starts the wait; the URL changing under it must not.
  }, [name])

  const { data, error, isPending, isPlaceholderData } = useQuery({
    ...jobListQuery({ page, pageSize: DEFAULT_PAGE_SIZE, status, name: nameParam || undefined }),
    placeholderData: keepPreviousData,
    refetchInterval: usePollInterval(),
    // The interval already asks again every 2 s; retrying in between would only hold
    // the error state back while the Api is down.
    retry: false,
  })
  const filtered = Boolean(status || nameParam)

  return (
    <>
      <title>Jobs · JobPlatform</title>
      <div className="page-heading">
        <h1>Jobs</h1>
        {data && <p className="page-heading__meta">{describeCount(data.jobs.length, data.totalCount, data.page, data.pageSize)}</p>}
        <Link className="button primary" to="/jobs/new">
          New job
        </Link>
      </div>
      <div className="filters" role="search" aria-label="Filter jobs">
        <label>
          Status{' '}
          <select value={status ?? ''} onChange={(e) => update({ status: e.target.value, page: '' })}>
            <option value="">all</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name{' '}
          <input type="search" value={name} onChange={(e) => setName(e.target.value)} placeholder="part of a name" />
        </label>
      </div>
      {error && <ApiErrorNotice {...describeApiError(error, 'The jobs could not be loaded')} stale={data !== undefined} />}
      {isPending && !error && (
        <p className="state" role="status">
          Loading jobs…
        </p>
      )}
      {data &&
        (data.jobs.length > 0 ? (
          <div className={isPlaceholderData ? 'loading-fade' : undefined}>
            <JobsTable jobs={data.jobs} now={now} />
          </div>
        ) : filtered ? (
          <p className="state">
            No job matches these filters.{' '}
            <button type="button" className="link" onClick={() => { setName(''); update({ status: '', name: '', page: '' }) }}>
              Clear the filters
            </button>
          </p>
        ) : page > 1 ? (
          <p className="state">
            There is no page {page}. <Link to="/">Back to the first page</Link>
          </p>
        ) : (
          <EmptyJobs />
        ))}
      {data && <Pager page={page} totalPages={data.totalPages} onPage={(p) => update({ page: p > 1 ? String(p) : '' })} label="Job pages" />}
    </>
  )
}

function describeCount(shown: number, total: number, page: number, pageSize: number): string {
  if (shown === total) {
    return plural(total, 'job')
  }
  if (page === 1) {
    return `Newest ${formatCount(shown)} of ${plural(total, 'job')}`
  }
  const first = (page - 1) * pageSize + 1
  return `Jobs ${formatCount(first)}–${formatCount(first + shown - 1)} of ${formatCount(total)}`
}
