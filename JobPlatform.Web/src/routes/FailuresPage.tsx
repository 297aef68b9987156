import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { useSearchParams } from 'react-router'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { FailuresTable } from '../components/FailuresTable'
import { Pager } from '../components/Pager'
import { ApiError, describeApiError } from '../services/api'
import { useNow } from '../services/clock'
import { POLL_INTERVAL_MS } from '../services/events'
import { plural } from '../services/format'
import { jobKeys } from '../services/jobs'
import { failuresQuery, retryTask, TASK_PAGE_SIZE, type Task, taskKeys } from '../services/tasks'

/**
 * /failures: failed and dead-lettered tasks across jobs, most recently finished first, with their
 * errors and a Retry for each. Asked for every 2 s: a task can fail for good in any job, including
 * ones the event stream does not follow.
 */
export function FailuresPage() {
  const [search, setSearch] = useSearchParams()
  const page = Math.max(1, Math.floor(Number(search.get('page') ?? '1')) || 1)
  const [message, setMessage] = useState<{ text: string; failed: boolean } | null>(null)
  const [retrying, setRetrying] = useState<ReadonlySet<string>>(new Set())
  const queryClient = useQueryClient()
  const now = useNow()
  const { data, error, isPending } = useQuery({
    ...failuresQuery({ page, pageSize: TASK_PAGE_SIZE }),
    refetchInterval: POLL_INTERVAL_MS,
    placeholderData: keepPreviousData,
    retry: false,
  })

  const retry = async (task: Task) => {
    const what = `Task ${task.index} of ${task.jobName ?? task.jobId}`
    setRetrying((current) => new Set(current).add(task.id))
    try {
      await retryTask(task.id)
      setMessage({ text: `${what} is queued again.`, failed: false })
      void queryClient.invalidateQueries({ queryKey: taskKeys.all })
      void queryClient.invalidateQueries({ queryKey: jobKeys.all })
    } catch (e) {
      const problem = e instanceof ApiError ? [e.title, e.detail].filter(Boolean).join(' ') : String(e)
      setMessage({ text: `${what} was not retried: ${problem}`, failed: true })
    } finally {
      setRetrying((current) => {
        const next = new Set(current)
        next.delete(task.id)
        return next
      })
    }
  }

  return (
    <>
      <title>Failures · JobPlatform</title>
      <div className="page-heading">
        <h1>Failures</h1>
        {data && <p className="page-heading__meta">{plural(data.totalCount, 'failed or dead-lettered task', 'failed or dead-lettered tasks')}</p>}
      </div>
      {message &&
        (message.failed ? (
          <p className="notice notice--error" role="alert">
            {message.text}
          </p>
        ) : (
          <p className="notice" role="status">
            {message.text}
          </p>
        ))}
      {error && <ApiErrorNotice {...describeApiError(error, 'The failures could not be loaded')} stale={data !== undefined} />}
      {isPending && !error && (
        <p className="state" role="status">
          Loading failures…
        </p>
      )}
      {data && data.tasks.length === 0 && (
        <p className="state">No failed tasks. Tasks that fail for good, or whose workers keep dying, appear here.</p>
      )}
      {data && data.tasks.length > 0 && <FailuresTable tasks={data.tasks} now={now} onRetry={(task) => void retry(task)} retrying={retrying} />}
      {data && (
        <Pager
          page={page}
          totalPages={data.totalPages}
          onPage={(p) => setSearch(p > 1 ? { page: String(p) } : {}, { replace: true })}
          label="Failure pages"
        />
      )}
    </>
  )
}
