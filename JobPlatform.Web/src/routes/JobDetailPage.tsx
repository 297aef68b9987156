import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense, useState } from 'react'
import { Link, useParams } from 'react-router'
import { useSearchState } from '../services/searchParams'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { AttemptsList } from '../components/AttemptsList'
import { JobActions } from '../components/JobActions'
import { JobStatusBadge } from '../components/JobStatusBadge'
import { JobSummary } from '../components/JobSummary'
import { Pager } from '../components/Pager'
import { RelativeTime } from '../components/RelativeTime'
import { TasksTable } from '../components/TasksTable'
import { ApiError, describeApiError } from '../services/api'
import { useNow } from '../services/clock'
import { usePollInterval } from '../services/events'
import { cancelJob, type Job, jobKeys, jobQuery, retryJob, TASK_STATUSES, type TaskStatus } from '../services/jobs'
import { jobTasksQuery, retryTask, TASK_PAGE_SIZE, type Task, taskKeys, taskQuery, timelineQuery } from '../services/tasks'
import { taskTypesQuery } from '../services/taskTypes'

// ECharts is most of the console's code: it loads with the first job page, not with the console.
/** How often an unfinished job's page asks again whether a live worker runs its type. */
const UNSERVED_RECHECK_MS = 10_000

const TimelineChart = lazy(() => import('../components/TimelineChart').then((module) => ({ default: module.TimelineChart })))

/** A task's input, result and attempts, fetched when its row is opened. */
function TaskAttempts({ taskId }: { taskId: string }) {
  const { data, error } = useQuery(taskQuery(taskId))
  if (error) {
    return <p className="error">The attempts could not be loaded: {error.message}</p>
  }
  if (!data) {
    return <p role="status">Loading attempts…</p>
  }
  return (
    <>
      {data.input != null && <JsonBlock label="Input" value={data.input} />}
      {data.result != null && <JsonBlock label="Result" value={data.result} />}
      <AttemptsList attempts={data.attempts ?? []} />
    </>
  )
}

function JsonBlock({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="task-json">
      <strong>{label}</strong>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </div>
  )
}

/**
 * /jobs/:id: a job's status, progress, pace, timeline and tasks, updated live; Cancel job and
 * Retry failed tasks. The task filter and page are kept in the URL.
 */
export function JobDetailPage() {
  const { id = '' } = useParams()
  const queryClient = useQueryClient()
  const poll = usePollInterval()
  const now = useNow()
  const [search, setFilter] = useSearchState()
  const statusParam = search.get('status') ?? ''
  const status = (TASK_STATUSES as readonly string[]).includes(statusParam) ? (statusParam as TaskStatus) : undefined
  const page = Math.max(1, Math.floor(Number(search.get('page') ?? '1')) || 1)
  const [actionError, setActionError] = useState<ApiError | null>(null)
  const [message, setMessage] = useState<string | null>(null)
  const [opened, setOpened] = useState<string | null>(null)
  const [retrying, setRetrying] = useState<ReadonlySet<string>>(new Set())

  const job = useQuery({ ...jobQuery(id), refetchInterval: poll })
  const tasks = useQuery({ ...jobTasksQuery(id, { page, pageSize: TASK_PAGE_SIZE, status }), refetchInterval: poll, placeholderData: keepPreviousData })
  const timeline = useQuery({ ...timelineQuery(id), refetchInterval: poll })
  // Whether a live worker runs the job's type: while none does, its tasks wait (the Api holds them back).
  const unfinished = job.data !== undefined && job.data.finishedAt === null
  const taskTypes = useQuery({ ...taskTypesQuery, enabled: unfinished, refetchInterval: unfinished ? UNSERVED_RECHECK_MS : false })


  if (job.error && !job.data) {
    const problem = describeApiError(job.error, 'The job could not be loaded')
    const notFound = problem.status === 404
    return (
      <>
        <title>Job not found · JobPlatform</title>
        <ApiErrorNotice {...problem} title={notFound ? 'No such job' : problem.title} retrying={!notFound}>
          <Link to="/">Back to the jobs</Link>
        </ApiErrorNotice>
      </>
    )
  }
  if (!job.data) {
    return (
      <p className="state" role="status">
        Loading the job…
      </p>
    )
  }
  const data = job.data

  const act = (action: (jobId: string) => Promise<Job>, done: string) => async () => {
    setActionError(null)
    setMessage(null)
    try {
      const answer = await action(id)
      queryClient.setQueryData(jobKeys.detail(id), answer)
      void queryClient.invalidateQueries({ queryKey: jobKeys.all })
      setMessage(done)
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError({ title: String(error) }))
    }
  }
  const retryOne = async (task: Task) => {
    setActionError(null)
    setMessage(null)
    setRetrying((current) => new Set(current).add(task.id))
    try {
      await retryTask(task.id)
      setMessage(`Task ${task.index} is queued again.`)
      void queryClient.invalidateQueries({ queryKey: jobKeys.all })
      void queryClient.invalidateQueries({ queryKey: taskKeys.all })
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError({ title: String(error) }))
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
      <title>{`${data.name} · JobPlatform`}</title>
      <div className="page-heading page-heading--wrap">
        <h1>{data.name}</h1>
        <p className="page-heading__meta">
          <span data-testid="job-status">
            <JobStatusBadge status={data.status} />
          </span>{' '}
          <code>{data.type}</code> · {data.taskCount.toLocaleString('en-US')} tasks · created <RelativeTime date={data.createdAt} now={now} /> ·{' '}
          <span className="jobs__id">{data.id}</span>
        </p>
        <JobActions job={data} onCancel={act(cancelJob, 'The job is cancelled.')} onRetry={act(retryJob, 'Its failed tasks are queued again.')} />
      </div>
      {actionError && (
        <div className="notice notice--error" role="alert">
          <h2>{actionError.title}</h2>
          {actionError.detail && <p>{actionError.detail}</p>}
        </div>
      )}
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {job.error && <ApiErrorNotice {...describeApiError(job.error, 'The job could not be refreshed')} stale />}
      {unfinished && taskTypes.data?.find((t) => t.name === data.type)?.served === false && (
        <p className="notice" role="status" data-testid="job-unserved">
          No live worker runs <code>{data.type}</code> now: its tasks wait until one starts.
        </p>
      )}

      <section aria-labelledby="progress-title" className="section">
        <h2 id="progress-title">Progress</h2>
        <JobSummary job={data} now={now} />
      </section>

      <section aria-labelledby="timeline-title" className="section">
        <h2 id="timeline-title">Timeline</h2>
        {timeline.error && !timeline.data && <p className="error">The timeline could not be loaded: {timeline.error.message}</p>}
        {timeline.data ? (
          <Suspense fallback={<p className="state">Loading the timeline…</p>}>
            <TimelineChart items={timeline.data.items} totalCount={timeline.data.totalCount} />
          </Suspense>
        ) : (
          !timeline.error && <p className="state">Loading the timeline…</p>
        )}
      </section>

      <section aria-labelledby="tasks-title" className="section">
        <div className="section__heading">
          <h2 id="tasks-title">Tasks</h2>
          <label>
            Task status{' '}
            <select value={status ?? ''} onChange={(e) => setFilter({ status: e.target.value, page: '' })}>
              <option value="">all</option>
              {TASK_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          {tasks.data && <span className="muted">{tasks.data.totalCount.toLocaleString('en-US')} shown by this filter</span>}
        </div>
        {tasks.error && !tasks.data && <p className="error">The tasks could not be loaded: {tasks.error.message}</p>}
        {tasks.data ? (
          <>
            <TasksTable
              tasks={tasks.data.tasks}
              now={now}
              openedTaskId={opened}
              onToggle={(taskId) => setOpened(opened === taskId ? null : taskId)}
              renderAttempts={(task) => <TaskAttempts taskId={task.id} />}
              onRetry={(task) => void retryOne(task)}
              retrying={retrying}
            />
            <Pager page={page} totalPages={tasks.data.totalPages} onPage={(p) => setFilter({ page: p > 1 ? String(p) : '' })} label="Task pages" />
          </>
        ) : (
          !tasks.error && <p className="state">Loading the tasks…</p>
        )}
      </section>
    </>
  )
}
