import { queryOptions } from '@tanstack/react-query'
import { getJson, postJson } from './api'
import { toOptionalDate } from './format'
import { jobKeys, type PagedWire, type TaskStatus } from './jobs'
import type { components } from './schema'

type Schemas = components['schemas']

/** How an attempt ended; null while it runs. */
export const ATTEMPT_OUTCOMES = ['succeeded', 'failed', 'lost', 'released'] as const
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number]

/** Task states a task can be retried from, one at a time or with its job. */
export const RETRYABLE_TASK_STATUSES: ReadonlySet<string> = new Set<TaskStatus>(['failed', 'dead_lettered', 'cancelled'])

// ---- Wire types: generated from the Api's OpenAPI document (npm run gen:api). ----

export type AttemptWire = Omit<Schemas['AttemptResponse'], 'outcome'> & { outcome: AttemptOutcome | null }
export type TaskWire = Omit<Schemas['TaskResponse'], 'status' | 'attempts'> & {
  status: TaskStatus
  attempts?: AttemptWire[] | null
}
export type TimelineItemWire = Omit<Schemas['TimelineItem'], 'outcome'> & { outcome: AttemptOutcome | null }
export type TimelineWire = Omit<Schemas['TimelineResponse'], 'items'> & { items: TimelineItemWire[] }

// ---- Console types and mappers. ----

export interface Attempt {
  id: string
  number: number
  workerId: string
  startedAt: Date
  endedAt: Date | null
  outcome: AttemptOutcome | null
  error: string | null
  errorDetail: string | null
}

export interface TaskProgress {
  /** 0 to 1; null when the handler cannot tell. */
  fraction: number | null
  message: string | null
}

export interface Task {
  id: string
  jobId: string
  jobName: string | null
  index: number
  type: string
  status: TaskStatus
  attemptCount: number
  maxAttempts: number
  workerId: string | null
  error: string | null
  /** The task's own input, as submitted in the job's `inputs`; null when the job gave none. */
  input: unknown
  /** What the handler returned; null until the task succeeds. */
  result: unknown
  /** What the latest attempt's handler last said of its progress; null when it said nothing. */
  progress: TaskProgress | null
  createdAt: Date
  updatedAt: Date
  startedAt: Date | null
  finishedAt: Date | null
  /** Only from GET /api/v1/tasks/{id}; lists leave it out. */
  attempts: Attempt[] | null
}

export interface TaskPage {
  tasks: Task[]
  page: number
  pageSize: number
  totalCount: number
  totalPages: number
}

export function toAttempt(wire: AttemptWire): Attempt {
  return {
    id: wire.id,
    number: wire.number,
    workerId: wire.workerId,
    startedAt: new Date(wire.startedAt),
    endedAt: toOptionalDate(wire.endedAt),
    outcome: wire.outcome,
    error: wire.error,
    errorDetail: wire.errorDetail,
  }
}

export function toTask(wire: TaskWire): Task {
  return {
    id: wire.id,
    jobId: wire.jobId,
    jobName: wire.jobName,
    index: wire.index,
    type: wire.type,
    status: wire.status,
    attemptCount: wire.attemptCount,
    maxAttempts: wire.maxAttempts,
    workerId: wire.workerId,
    error: wire.error,
    input: wire.input ?? null,
    result: wire.result ?? null,
    progress: wire.progress ? { fraction: wire.progress.fraction ?? null, message: wire.progress.message ?? null } : null,
    createdAt: new Date(wire.createdAt),
    updatedAt: new Date(wire.updatedAt),
    startedAt: toOptionalDate(wire.startedAt),
    finishedAt: toOptionalDate(wire.finishedAt),
    attempts: wire.attempts ? wire.attempts.map(toAttempt) : null,
  }
}

export function toTaskPage(wire: PagedWire<TaskWire>): TaskPage {
  return {
    tasks: wire.items.map(toTask),
    page: wire.page,
    pageSize: wire.pageSize,
    totalCount: wire.totalCount,
    totalPages: wire.totalPages,
  }
}

export const isRetryable = (task: Pick<Task, 'status'>): boolean => RETRYABLE_TASK_STATUSES.has(task.status)

// ---- Queries and commands. ----

export interface TaskListFilters {
  page: number
  pageSize: number
  status?: TaskStatus
}

/** How many tasks a table shows at once. */
export const TASK_PAGE_SIZE = 50

/** The attempts the timeline asks for: the Api's default, enough for a job of a few thousand tasks. */
export const TIMELINE_LIMIT = 5_000

/**
 * Query keys for tasks across jobs. A job's own task table and timeline live under
 * `jobKeys.tasks(jobId)` and `jobKeys.timeline(jobId)`, so an event about the job reaches them.
 */
export const taskKeys = {
  all: ['tasks'] as const,
  detail: (id: string) => [...taskKeys.all, 'detail', id] as const,
  failuresAll: () => [...taskKeys.all, 'failures'] as const,
  failures: (filters: { page: number; pageSize: number }) => [...taskKeys.failuresAll(), filters] as const,
}

function pagePath(path: string, { page, pageSize, status }: TaskListFilters): string {
  const query = new URLSearchParams({ page: String(page), pageSize: String(pageSize) })
  if (status) {
    query.set('status', status)
  }
  return `${path}?${query}`
}

/** A page of one job's tasks, in index order. */
export const jobTasksQuery = (jobId: string, filters: TaskListFilters) =>
  queryOptions({
    queryKey: [...jobKeys.tasks(jobId), filters] as const,
    queryFn: async ({ signal }) =>
      toTaskPage(await getJson<PagedWire<TaskWire>>(pagePath(`/api/v1/jobs/${encodeURIComponent(jobId)}/tasks`, filters), signal)),
  })

/** One task with its attempts, oldest first. */
export const taskQuery = (taskId: string) =>
  queryOptions({
    queryKey: taskKeys.detail(taskId),
    queryFn: async ({ signal }) => toTask(await getJson<TaskWire>(`/api/v1/tasks/${encodeURIComponent(taskId)}`, signal)),
  })

/** The job's attempts for the timeline chart, oldest first. */
export const timelineQuery = (jobId: string, limit = TIMELINE_LIMIT) =>
  queryOptions({
    queryKey: [...jobKeys.timeline(jobId), { limit }] as const,
    queryFn: ({ signal }) => getJson<TimelineWire>(`/api/v1/jobs/${encodeURIComponent(jobId)}/timeline?limit=${limit}`, signal),
  })

export function failuresPath({ page, pageSize }: { page: number; pageSize: number }): string {
  return `/api/v1/tasks?status=failed&status=dead_lettered&page=${page}&pageSize=${pageSize}`
}

/** Failed and dead-lettered tasks across jobs, most recently finished first. */
export const failuresQuery = (filters: { page: number; pageSize: number }) =>
  queryOptions({
    queryKey: taskKeys.failures(filters),
    queryFn: async ({ signal }) => toTaskPage(await getJson<PagedWire<TaskWire>>(failuresPath(filters), signal)),
  })

/** Runs one failed, dead-lettered or cancelled task again; 409 from any other state. */
export const retryTask = async (taskId: string): Promise<Task> =>
  toTask(await postJson<TaskWire>(`/api/v1/tasks/${encodeURIComponent(taskId)}/retry`))
