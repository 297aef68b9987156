import { useQuery, useQueryClient } from '@tanstack/react-query'
import { Fragment, lazy, Suspense, useState } from 'react'
import { Link, useParams } from 'react-router'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { AttemptsList } from '../components/AttemptsList'
import { ConfirmButton } from '../components/ConfirmButton'
import { JobStatusBadge } from '../components/JobStatusBadge'
import { TaskProgressBar } from '../components/TaskProgressBar'
import { ApiError } from '../services/api'
import { POLL_INTERVAL_MS, useLiveUpdates } from '../services/events'
import { jobKeys, jobQuery, TASK_STATUSES, toJob, type TaskStatus } from '../services/jobs'
import { cancelJob, describePace, jobTasksQuery, retryJob, retryTask, taskQuery, timelineQuery } from '../services/tasks'

// ECharts is most of the console's code: it loads with the first job page, not with the console.
const TimelineChart = lazy(() => import('../components/TimelineChart').then((module) => ({ default: module.TimelineChart })))

/** The attempts of one task, fetched when its row is opened. */
function TaskAttemptsRow({ taskId, columns }: { taskId: string; columns: number }) {
  const { data, error } = useQuery(taskQuery(taskId))
  return (
    <tr className="attempts-row">
      <td colSpan={columns}>
        {error ? <p className="error">The attempts could not be loaded: {error.message}</p> : data ? <AttemptsList attempts={data.attempts ?? []} /> : 'Loading attempts…'}
      </td>
    </tr>
  )
}

const TASK_PAGE_SIZE = 50
const FINAL = new Set(['completed', 'failed', 'cancelled'])

/** /jobs/:id: a job's status, pace, tasks and timeline, updated live; cancel and retry. */
export function JobDetailPage() {
  const { id = '' } = useParams()
  const live = useLiveUpdates(id)
  const poll = live === 'live' ? false : POLL_INTERVAL_MS
  const queryClient = useQueryClient()
  const [status, setStatus] = useState<TaskStatus | ''>('')
  const [page, setPage] = useState(1)
  const [actionError, setActionError] = useState<ApiError | null>(null)
  const [opened, setOpened] = useState<string | null>(null)

  const job = useQuery({ ...jobQuery(id), refetchInterval: poll, retry: false })
  const tasks = useQuery({ ...jobTasksQuery(id, { page, pageSize: TASK_PAGE_SIZE, status: status || undefined }), refetchInterval: poll })
  const timeline = useQuery({ ...timelineQuery(id), refetchInterval: poll })

  if (job.error) {
    const error = job.error instanceof ApiError ? job.error : null
    return <ApiErrorNotice unreachable={error?.unreachable ?? false} title={error?.title ?? 'The job could not be loaded'} detail={error?.detail} stale={false} />
  }
  if (!job.data) {
    return <p className="state" role="status">Loading the job…</p>
  }

  const data = job.data
  const finished = FINAL.has(data.status)
  const pace = describePace(data, new Date())
  const act = (action: (jobId: string) => Promise<unknown>) => async () => {
    setActionError(null)
    try {
      const answer = await action(id)
      queryClient.setQueryData(jobKeys.detail(id), toJob(answer as Parameters<typeof toJob>[0]))
      void queryClient.invalidateQueries({ queryKey: jobKeys.all })
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError({ title: String(error) }))
    }
  }
  const retryOne = async (taskId: string) => {
    setActionError(null)
    try {
      await retryTask(taskId)
      void queryClient.invalidateQueries({ queryKey: jobKeys.all })
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError({ title: String(error) }))
    }
  }
  const retryable = data.counts.failed + data.counts.deadLettered + data.counts.cancelled

  return (
    <>
      <div className="page-heading">
        <h1>{data.name}</h1>
        <p className="page-heading__meta">
          <code>{data.type}</code> · <span data-testid="job-status"><JobStatusBadge status={data.status} /></span> · {data.id}
        </p>
      </div>
      <section className="job-summary" aria-label="Progress">
        <TaskProgressBar progress={data.progress} />
        <dl className="job-summary__figures">
          <div><dt>Done</dt><dd>{data.progress.done.toLocaleString()} of {data.progress.total.toLocaleString()}</dd></div>
          <div><dt>Running</dt><dd>{data.counts.running.toLocaleString()}</dd></div>
          <div><dt>Failed</dt><dd>{(data.counts.failed + data.counts.deadLettered).toLocaleString()}</dd></div>
          <div><dt>Throughput</dt><dd>{pace.perSecond === null ? '–' : `${pace.perSecond.toFixed(1)} tasks/s`}</dd></div>
          <div><dt>Time left</dt><dd>{pace.secondsLeft === null ? '–' : `about ${Math.ceil(pace.secondsLeft)} s`}</dd></div>
        </dl>
        <div className="job-summary__actions">
          {!finished && (
            <ConfirmButton label="Cancel job" question={`Cancel ${data.name}? Its waiting tasks are cancelled and running ones stop.`}
              confirmLabel="Yes, cancel job" onConfirm={act(cancelJob)} />
          )}
          {finished && retryable > 0 && (
            <ConfirmButton label="Retry failed tasks" question={`Run the ${retryable} failed, dead-lettered or cancelled tasks again?`}
              confirmLabel="Yes, retry" onConfirm={act(retryJob)} />
          )}
        </div>
        {actionError && <p role="alert" className="error">{actionError.title} {actionError.detail}</p>}
      </section>

      <h2>Timeline</h2>
      {timeline.data ? (
        <Suspense fallback={<p className="state">Loading the timeline…</p>}>
          <TimelineChart items={timeline.data.items} totalCount={timeline.data.totalCount} />
        </Suspense>
      ) : (
        <p className="state">Loading the timeline…</p>
      )}

      <h2>Tasks</h2>
      <label>
        Task status{' '}
        <select value={status} onChange={(e) => { setStatus(e.target.value as TaskStatus | ''); setPage(1) }}>
          <option value="">all</option>
          {TASK_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
      </label>
      {tasks.data && (
        <>
          <table className="jobs">
            <thead>
              <tr><th scope="col">#</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Worker</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col"><span className="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {tasks.data.items.map((task) => (
                <Fragment key={task.id}>
                <tr>
                  <td>
                    <button type="button" className="link" aria-expanded={opened === task.id} onClick={() => setOpened(opened === task.id ? null : task.id)}
                      aria-label={`Task ${task.index}: ${opened === task.id ? 'hide' : 'show'} attempts`}>
                      {task.index}
                    </button>
                  </td>
                  <td>{task.status}</td>
                  <td>{task.attemptCount} of {task.maxAttempts}</td>
                  <td>{task.workerId ?? '–'}</td>
                  <td>{task.startedAt && task.finishedAt ? `${((Date.parse(task.finishedAt) - Date.parse(task.startedAt)) / 1000).toFixed(2)} s` : '–'}</td>
                  <td className="error-text">{task.error ?? ''}</td>
                  <td>
                    {['failed', 'dead_lettered', 'cancelled'].includes(task.status) && (
                      <button type="button" onClick={() => void retryOne(task.id)}>Retry</button>
                    )}
                  </td>
                </tr>
                {opened === task.id && <TaskAttemptsRow taskId={task.id} columns={7} />}
                </Fragment>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Task pages">
            <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
            <span>Page {tasks.data.page} of {Math.max(1, tasks.data.totalPages)}</span>
            <button type="button" disabled={page >= tasks.data.totalPages} onClick={() => setPage(page + 1)}>Next</button>
          </nav>
        </>
      )}
      <p><Link to="/">Back to jobs</Link></p>
    </>
  )
}
