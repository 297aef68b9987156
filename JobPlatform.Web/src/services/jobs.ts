import type { components } from './schema'
import { queryOptions } from '@tanstack/react-query'
import { getJson } from './api'

/** Job states, in the lowercase strings the Api stores and returns. */
export const JOB_STATUSES = ['pending', 'enqueued', 'running', 'completed', 'failed', 'cancelled'] as const
export type JobStatus = (typeof JOB_STATUSES)[number]

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
export interface PagedWire<T> {
  items: T[]
  page: number
  pageSize: number
  totalCount: number
  totalPages: number
}

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
  parameters: Record<string, unknown>
  counts: TaskCountsWire
  progress: TaskProgress
  createdAt: Date
  updatedAt: Date
  startedAt: Date | null
  finishedAt: Date | null
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

const toDate = (value: string) => new Date(value)
const toOptionalDate = (value: string | null) => (value === null ? null : new Date(value))

export function toJob(wire: JobWire): Job {
  return {
    id: wire.id,
    name: wire.name,
    type: wire.type,
    status: wire.status,
    taskCount: wire.taskCount,
    maxAttempts: wire.maxAttempts,
    parameters: wire.parameters,
    counts: wire.counts,
    progress: toTaskProgress(wire.counts, wire.taskCount),
    createdAt: toDate(wire.createdAt),
    updatedAt: toDate(wire.updatedAt),
    startedAt: toOptionalDate(wire.startedAt),
    finishedAt: toOptionalDate(wire.finishedAt),
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

// ---- Queries. ----

export interface JobListFilters {
  page: number
  pageSize: number
  status?: JobStatus
  name?: string
}

/** How many jobs the console asks for at once: 50 (the Api alone would default to 20). */
export const DEFAULT_PAGE_SIZE = 50

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
    queryFn: async ({ signal }) => toJob(await getJson<JobWire>(`/api/v1/jobs/${id}`, signal)),
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

export async function listJobs(filters: JobListFilters, signal?: AbortSignal): Promise<JobPage> {
  return toJobPage(await getJson<PagedWire<JobWire>>(jobListPath(filters), signal))
}

/** Jobs newest first (the Api's order), one page of them. */
export const jobListQuery = (filters: JobListFilters) =>
  queryOptions({
    queryKey: jobKeys.list(filters),
    queryFn: ({ signal }) => listJobs(filters, signal),
  })
