import { queryOptions } from '@tanstack/react-query'
import { getJson } from './api'
import { toOptionalDate } from './format'
import type { components } from './schema'

type Schemas = components['schemas']

/** active: heartbeating; gone: stopped, or silent for longer than the Api waits. */
export type WorkerStatus = 'active' | 'gone'

// ---- Wire types: generated from the Api's OpenAPI document (npm run gen:api). ----

export type RunningTaskWire = Schemas['RunningTaskResponse']
export type WorkerWire = Omit<Schemas['WorkerResponse'], 'status'> & { status: WorkerStatus }

// ---- Console types and mappers. ----

export interface RunningTask {
  taskId: string
  jobId: string
  jobName: string
  taskIndex: number
  attempt: number
  startedAt: Date | null
}

export interface Worker {
  id: string
  host: string
  processId: number
  slots: number
  status: WorkerStatus
  startedAt: Date
  lastHeartbeatAt: Date
  runningTasks: RunningTask[]
  completedLastMinute: number
  tasksPerSecond: number
  /** The queues it receives from: its pool. */
  queues: string[]
}

export function toWorker(wire: WorkerWire): Worker {
  return {
    id: wire.id,
    host: wire.host,
    processId: wire.processId,
    slots: wire.slots,
    status: wire.status,
    startedAt: new Date(wire.startedAt),
    lastHeartbeatAt: new Date(wire.lastHeartbeatAt),
    runningTasks: wire.runningTasks.map((task) => ({ ...task, startedAt: toOptionalDate(task.startedAt) })),
    completedLastMinute: wire.completedLastMinute,
    tasksPerSecond: wire.tasksPerSecond,
    queues: wire.queues ?? ['default'],
  }
}

export const workerKeys = {
  all: ['workers'] as const,
}

/** The worker replicas the Api has heard from lately, active ones first as the Api sends them. */
export const workersQuery = queryOptions({
  queryKey: workerKeys.all,
  queryFn: async ({ signal }) => (await getJson<WorkerWire[]>('/api/v1/workers', signal)).map(toWorker),
})
