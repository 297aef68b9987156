import { queryOptions } from '@tanstack/react-query'
import { getJson, postJson } from './api'
import { jobKeys, type JobWire, type PagedWire, TASK_STATUSES, type TaskStatus } from './jobs'
import type { components } from './schema'

type Schemas = components['schemas']

export type TaskWire = Omit<Schemas['TaskResponse'], 'status'> & { status: TaskStatus }
export type AttemptWire = Schemas['AttemptResponse']
export type TimelineWire = Schemas['TimelineResponse']
export type TimelineItemWire = Schemas['TimelineItem']
export type TaskTypeWire = Schemas['TaskTypeDefinition']
export type WorkerWire = Schemas['WorkerResponse']

export { TASK_STATUSES }

export interface TaskListFilters {
  page: number
  pageSize: number
  status?: TaskStatus
}

/** A page of one job's tasks, in index order. */
export const jobTasksQuery = (jobId: string, { page, pageSize, status }: TaskListFilters) =>
  queryOptions({
    queryKey: [...jobKeys.tasks(jobId), { page, pageSize, status }] as const,
    queryFn: ({ signal }) => {
      const query = new URLSearchParams({ page: String(page), pageSize: String(pageSize) })
      if (status) {
        query.set('status', status)
      }
      return getJson<PagedWire<TaskWire>>(`/api/v1/jobs/${jobId}/tasks?${query}`, signal)
    },
  })

/** One task with its attempts, oldest first. */
export const taskQuery = (taskId: string) =>
  queryOptions({
    queryKey: ['tasks', 'detail', taskId] as const,
    queryFn: ({ signal }) => getJson<TaskWire>(`/api/v1/tasks/${taskId}`, signal),
  })

/** The job's attempts for the timeline chart. */
export const timelineQuery = (jobId: string) =>
  queryOptions({
    queryKey: jobKeys.timeline(jobId),
    queryFn: ({ signal }) => getJson<TimelineWire>(`/api/v1/jobs/${jobId}/timeline`, signal),
  })

/** Failed and dead-lettered tasks across jobs, most recently finished first. */
export const failuresQuery = (page: number, pageSize: number) =>
  queryOptions({
    queryKey: ['tasks', 'failures', { page, pageSize }] as const,
    queryFn: ({ signal }) =>
      getJson<PagedWire<TaskWire>>(`/api/v1/tasks?status=failed&status=dead_lettered&page=${page}&pageSize=${pageSize}`, signal),
  })

export const taskTypesQuery = queryOptions({
  queryKey: ['task-types'] as const,
  queryFn: ({ signal }) => getJson<TaskTypeWire[]>('/api/v1/task-types', signal),
  staleTime: Infinity,
})

export const workersQuery = queryOptions({
  queryKey: ['workers'] as const,
  queryFn: ({ signal }) => getJson<WorkerWire[]>('/api/v1/workers', signal),
})

export const cancelJob = (jobId: string) => postJson<JobWire>(`/api/v1/jobs/${jobId}/cancel`)
export const retryJob = (jobId: string) => postJson<JobWire>(`/api/v1/jobs/${jobId}/retry`)
export const retryTask = (taskId: string) => postJson<TaskWire>(`/api/v1/tasks/${taskId}/retry`)

export interface SubmitJob {
  name?: string
  type: string
  taskCount: number
  parameters?: Record<string, unknown>
  maxAttempts?: number
  failureThreshold?: number
  timeoutSeconds?: number
}

/** Submits a job; the key makes a repeated click or a retried request return the same job. */
export const submitJob = (job: SubmitJob, idempotencyKey: string) =>
  postJson<JobWire>('/api/v1/jobs', job, { 'Idempotency-Key': idempotencyKey })

/** Tasks per second so far, and the time left at that pace while the job runs. */
export function describePace(
  job: { startedAt: Date | null; finishedAt: Date | null; progress: { done: number; total: number } },
  now: Date,
): { perSecond: number | null; secondsLeft: number | null } {
  if (!job.startedAt) {
    return { perSecond: null, secondsLeft: null }
  }
  const end = job.finishedAt ?? now
  const seconds = (end.getTime() - job.startedAt.getTime()) / 1000
  if (seconds <= 0 || job.progress.done === 0) {
    return { perSecond: null, secondsLeft: null }
  }
  const perSecond = job.progress.done / seconds
  const left = job.progress.total - job.progress.done
  return { perSecond, secondsLeft: job.finishedAt || left === 0 ? null : left / perSecond }
}
