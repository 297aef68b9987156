import { queryOptions } from '@tanstack/react-query'
import { getJson, postJson } from './api'
import { toOptionalDate } from './format'
import type { components } from './schema'

/**
 * Job states, in the lowercase strings the Api stores and returns. A job submitted with runAt or
 * delay is scheduled until that time, then pending.
 */
export const JOB_STATUSES = ['scheduled', 'pending', 'enqueued', 'running', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

/** The states a job never leaves: it can be retried from these, and cancelled from none of them. */
export const FINAL_JOB_STATUSES: ReadonlySet<string> = new Set<JobStatus>(['completed', 'failed', 'cancelled'])

/** Task states, in the lowercase strings the Api stores and returns. */
export const TASK_STATUSES = [
  'pending',
  'enqueued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'dead_lettered',
  'cancelled',
] as const
export type TaskStatus = (typeof TASK_STATUSES)[number]

/** Job priorities, most urgent first, in the lowercase strings the Api takes and returns. */
export const JOB_PRIORITIES = ['critical', 'high', 'normal', 'low'] as const
export type JobPriority = (typeof JOB_PRIORITIES)[number]

/** The priority of a job that does not name one. */
export const DEFAULT_JOB_PRIORITY: JobPriority = 'normal'

// ---- Wire types: generated from the Api's OpenAPI document (npm run gen:api). ----

type Schemas = components['schemas']

/** Number of a job's tasks in each task state. */
export type TaskCountsWire = Schemas['TaskCounts']

/** A job as the Api sends it; its status narrowed to the closed set above. */
export type JobWire = Omit<Schemas['JobResponse'], 'status' | 'parameters'> & {
  status: JobStatus
  parameters: Record<string, unknown>
}

/** One page of a list, as every list endpoint answers. */
export type PagedWire<T> = Omit<Schemas['PagedResponseOfJobResponse'], 'items'> & { items: T[] }

/** The body of POST /api/v1/jobs. The Api requires the type and the task count, and names what is missing. */
export type SubmitJobWire = Partial<Omit<Schemas['SubmitJobRequest'], 'parameters'>> & {
  parameters?: Record<string, unknown>
}

/** The queue of a job that names none, and of every built-in type. */
export const DEFAULT_QUEUE = 'default'

// ---- Console types and mappers. ----

/** A job's tasks reduced to what the progress bar draws. */
export interface TaskProgress {
  total: number
  /** Tasks in a final state: succeeded + failed + dead-lettered + cancelled. */
  done: number
  succeeded: number
  /** Failed for good, dead-lettered included. */
  failed: number
  running: number
  cancelled: number
}

export interface Job {
  id: string
  name: string
  type: string
  status: JobStatus
  taskCount: number
  maxAttempts: number
  failureThreshold: number
  timeoutSeconds: number | null
  parameters: Record<string, unknown>
  counts: TaskCountsWire
  /** critical, high, normal or low; kept as the Api sent it, so a priority added later still shows. */
  priority: string
  /** The queue its tasks travel on. */
  queue: string
  progress: TaskProgress
  createdAt: Date
  updatedAt: Date
  startedAt: Date | null
  finishedAt: Date | null
  /** When a job submitted with runAt or delay becomes due; null for one that ran at once. */
  runAt: Date | null
  /** The schedule that submitted the job; null for one submitted directly. */
  scheduleId: string | null
}

export interface JobPage {
  jobs: Job[]
  page: number
  pageSize: number
  totalCount: number
  totalPages: number
}

export function toTaskProgress(counts: TaskCountsWire, taskCount: number): TaskProgress {
  const failed = counts.failed + counts.deadLettered
  const done = counts.succeeded + failed + counts.cancelled
  const counted = Object.values(counts).reduce((sum, n) => sum + n, 0)
  return {
    // The counts and taskCount are read in separate statements, so never let a bar overflow.
    total: Math.max(taskCount, counted),
    done,
    succeeded: counts.succeeded,
    failed,
    running: counts.running,
    cancelled: counts.cancelled,
  }
}

export function toJob(wire: JobWire): Job {
  return {
    id: wire.id,
    name: wire.name,
    type: wire.type,
    status: wire.status,
    taskCount: wire.taskCount,
    maxAttempts: wire.maxAttempts,
    failureThreshold: wire.failureThreshold,
    timeoutSeconds: wire.timeoutSeconds,
    parameters: wire.parameters,
    counts: wire.counts,
    // An answer replayed for an idempotency key first used before jobs had priorities has none.
    priority: wire.priority ?? DEFAULT_JOB_PRIORITY,
    // An answer replayed for an idempotency key first used before jobs had queues has none.
    queue: wire.queue ?? DEFAULT_QUEUE,
    progress: toTaskProgress(wire.counts, wire.taskCount),
    createdAt: new Date(wire.createdAt),
    updatedAt: new Date(wire.updatedAt),
    startedAt: toOptionalDate(wire.startedAt),
    finishedAt: toOptionalDate(wire.finishedAt),
    runAt: toOptionalDate(wire.runAt),
    scheduleId: wire.scheduleId ?? null,
  }
}

export function toJobPage(wire: PagedWire<JobWire>): JobPage {
  return {
    jobs: wire.items.map(toJob),
    page: wire.page,
    pageSize: wire.pageSize,
    totalCount: wire.totalCount,
    totalPages: wire.totalPages,
  }
}

/** True once the job can no longer change by itself: completed, failed or cancelled. */
export const isFinished = (job: Pick<Job, 'status'>): boolean => FINAL_JOB_STATUSES.has(job.status)

/** The tasks "Retry failed tasks" would run again: failed, dead-lettered and cancelled ones. */
export const retryableTaskCount = (job: Pick<Job, 'counts'>): number =>
  job.counts.failed + job.counts.deadLettered + job.counts.cancelled

/**
 * Tasks per second and the time left at that pace. The pace is finished tasks over the seconds
 * since the job started, or over its whole run once it has finished; no estimate while nothing has
 * finished yet, and none once the job has.
 */
export function describePace(
  job: Pick<Job, 'startedAt' | 'finishedAt' | 'progress'>,
  now: Date,
): { perSecond: number | null; secondsLeft: number | null } {
  if (!job.startedAt) {
    return { perSecond: null, secondsLeft: null }
  }
  const seconds = ((job.finishedAt ?? now).getTime() - job.startedAt.getTime()) / 1000
  if (seconds <= 0 || job.progress.done === 0) {
    return { perSecond: null, secondsLeft: null }
  }
  const perSecond = job.progress.done / seconds
  const left = job.progress.total - job.progress.done
  return { perSecond, secondsLeft: job.finishedAt || left <= 0 ? null : left / perSecond }
}

// ---- Queries and commands. ----

export interface JobListFilters {
  page: number
  pageSize: number
  status?: JobStatus
  name?: string
}

/** How many jobs the console asks for at once: 50 (the Api alone would default to 20). */
export const DEFAULT_PAGE_SIZE = 50

/**
 * Query keys. Everything about jobs nests under `jobs`, so invalidating `jobKeys.all` refreshes
 * every list, job, task table and timeline on screen; `lists()` only the job lists.
 */
export const jobKeys = {
  all: ['jobs'] as const,
  lists: () => [...jobKeys.all, 'list'] as const,
  list: (filters: JobListFilters) => [...jobKeys.lists(), filters] as const,
  detail: (id: string) => [...jobKeys.all, 'detail', id] as const,
  tasks: (id: string) => [...jobKeys.all, 'tasks', id] as const,
  timeline: (id: string) => [...jobKeys.all, 'timeline', id] as const,
}

/** One job, as GET /api/v1/jobs/{id} returns it. */
export const jobQuery = (id: string) =>
  queryOptions({
    queryKey: jobKeys.detail(id),
    queryFn: async ({ signal }) => toJob(await getJson<JobWire>(`/api/v1/jobs/${encodeURIComponent(id)}`, signal)),
  })

export function jobListPath({ page, pageSize, status, name }: JobListFilters): string {
  const query = new URLSearchParams({ page: String(page), pageSize: String(pageSize) })
  if (status) {
    query.set('status', status)
  }
  if (name?.trim()) {
    query.set('name', name.trim())
  }
  return `/api/v1/jobs?${query}`
}

/** Jobs newest first (the Api's order), one page of them. */
export const jobListQuery = (filters: JobListFilters) =>
  queryOptions({
    queryKey: jobKeys.list(filters),
    queryFn: async ({ signal }) => toJobPage(await getJson<PagedWire<JobWire>>(jobListPath(filters), signal)),
  })

/** Submits a job; the key makes a repeated click or a retried request return the same job. */
export const submitJob = async (job: SubmitJobWire, idempotencyKey: string): Promise<Job> =>
  toJob(await postJson<JobWire>('/api/v1/jobs', job, { 'Idempotency-Key': idempotencyKey }))

/** Cancels an unfinished job; a finished one answers 409. */
export const cancelJob = async (jobId: string): Promise<Job> =>
  toJob(await postJson<JobWire>(`/api/v1/jobs/${encodeURIComponent(jobId)}/cancel`))

/** Runs a finished job's failed, dead-lettered and cancelled tasks again; otherwise 409. */
export const retryJob = async (jobId: string): Promise<Job> =>
  toJob(await postJson<JobWire>(`/api/v1/jobs/${encodeURIComponent(jobId)}/retry`))
