import { keepPreviousData, useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { Link, useSearchParams } from 'react-router'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { EmptyJobs } from '../components/EmptyJobs'
import { JobsTable } from '../components/JobsTable'
import { ApiError } from '../services/api'
import type { LiveStatus } from '../services/events'
import { DEFAULT_PAGE_SIZE, JOB_STATUSES, jobListQuery, type JobStatus } from '../services/jobs'

/** How often the jobs list asks the Api again. Defaults to 2 s. */
export const JOBS_REFRESH_INTERVAL_MS = 2_000

/**
 * The Jobs page at "/": jobs newest first with their task progress, filtered by status and name
 * (kept in the URL, so a filtered view can be shared), refreshed in place: by the event stream
 * while it is live, every 2 s otherwise.
 */
export function JobsPage({ live = 'polling' }: { live?: LiveStatus }) {
  const [search, setSearch] = useSearchParams()
  const status = (search.get('status') ?? '') as JobStatus | ''
  const page = Math.max(1, Number(search.get('page') ?? '1') || 1)
  const [name, setName] = useState(search.get('name') ?? '')
  // The name filter follows typing after a short pause, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => {
      if ((search.get('name') ?? '') !== name) {
        update({ name, page: '' })
      }
    }, 300)
    return () => clearTimeout(timer)
  })
  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(search)
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value)
      else next.delete(key)
    }
    setSearch(next, { replace: true })
  }

  const { data, error, isPending } = useQuery({
    ...jobListQuery({ page, pageSize: DEFAULT_PAGE_SIZE, status: status || undefined, name: search.get('name') ?? undefined }),
    placeholderData: keepPreviousData,
    refetchInterval: live === 'live' ? false : JOBS_REFRESH_INTERVAL_MS,
    // The interval already asks again every 2 s; retrying in between would only hold
    // the error state back while the Api is down.
    retry: false,
  })

  return (
    <>
      <div className="page-heading">
        <h1>Jobs</h1>
        {data && <p className="page-heading__meta">{describeCount(data.jobs.length, data.totalCount)}</p>}
        <Link className="button" to="/jobs/new">New job</Link>
      </div>
      <div className="filters">
        <label>
          Status{' '}
          <select value={status} onChange={(e) => update({ status: e.target.value, page: '' })}>
            <option value="">all</option>
            {JOB_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </label>
        <label>
          Name{' '}
          <input type="search" value={name} onChange={(e) => setName(e.target.value)} placeholder="part of a name" />
        </label>
      </div>
      {error && <ApiErrorNotice {...describeError(error)} stale={data !== undefined} />}
      {isPending && !error && (
        <p className="state" role="status">
          Loading jobs…
        </p>
      )}
      {data && (data.jobs.length === 0 ? (status || search.get('name') ? <p className="state">No job matches these filters.</p> : <EmptyJobs />) : <JobsTable jobs={data.jobs} />)}
      {data && data.totalPages > 1 && (
        <nav className="pager" aria-label="Job pages">
          <button type="button" disabled={page <= 1} onClick={() => update({ page: String(page - 1) })}>Previous</button>
          <span>Page {page} of {data.totalPages}</span>
          <button type="button" disabled={page >= data.totalPages} onClick={() => update({ page: String(page + 1) })}>Next</button>
        </nav>
      )}
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
