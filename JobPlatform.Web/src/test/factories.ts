import type { JobWire, PagedWire, TaskCountsWire, TaskProgress } from '../services/jobs'
import type { ScheduleRunWire, ScheduleWire } from '../services/schedules'
import type { TaskTypeWire } from '../services/taskTypes'
import type { TaskWire, TimelineItemWire } from '../services/tasks'
import type { WorkerWire } from '../services/workers'

export function makeCounts(overrides: Partial<TaskCountsWire> = {}): TaskCountsWire {
  return {
    pending: 0,
    enqueued: 0,
    running: 0,
    retrying: 0,
    succeeded: 0,
    failed: 0,
    deadLettered: 0,
    cancelled: 0,
    ...overrides,
  }
}

let next = 1
const uuid = (n: number) => `0196a000-0000-7000-8000-${String(n).padStart(12, '0')}`

/** A job as the Api sends it; every field can be overridden. */
export function makeJobWire(overrides: Partial<JobWire> = {}): JobWire {
  const n = next++
  return {
    id: uuid(n),
    name: `job-${n}`,
    type: 'sleep',
    status: 'enqueued',
    taskCount: 10,
    maxAttempts: 3,
    failureThreshold: 0,
    timeoutSeconds: null,
    parameters: { ms: 10 },
    counts: makeCounts({ enqueued: 10 }),
    priority: 'normal',
    queue: 'default',
    createdAt: '2026-11-24T10:00:00.000+00:00',
    updatedAt: '2026-11-24T10:00:00.000+00:00',
    startedAt: null,
    finishedAt: null,
    runAt: null,
    scheduleId: null,
    ...overrides,
  }
}

/** A schedule as GET /api/v1/schedules/{id} answers; every field can be overridden. */
export function makeScheduleWire(overrides: Partial<ScheduleWire> = {}): ScheduleWire {
  const n = next++
  return {
    id: uuid(n),
    name: `schedule-${n}`,
    cron: '0 * * * *',
    timeZone: 'Europe/Berlin',
    job: { name: null, type: 'noop', taskCount: 1, parameters: null, maxAttempts: null, priority: 'normal' },
    overlap: 'skip',
    catchUp: 'skip',
    paused: false,
    nextFireAt: '2026-11-24T11:00:00+00:00',
    lastFireAt: '2026-11-24T10:00:00+00:00',
    createdAt: '2026-11-24T09:00:00+00:00',
    updatedAt: '2026-11-24T09:00:00+00:00',
    nextFireTimes: [
      '2026-11-24T12:00:00+01:00',
      '2026-11-24T13:00:00+01:00',
      '2026-11-24T14:00:00+01:00',
      '2026-11-24T15:00:00+01:00',
      '2026-11-24T16:00:00+01:00',
    ],
    recentRuns: [],
    ...overrides,
  }
}

/** One run of a schedule: submitted on time (half a second late) unless overridden. */
export function makeScheduleRunWire(overrides: Partial<ScheduleRunWire> = {}): ScheduleRunWire {
  const n = next++
  return {
    id: n,
    fireTime: '2026-11-24T10:00:00+00:00',
    firedAt: '2026-11-24T10:00:00.5+00:00',
    outcome: 'submitted',
    jobId: uuid(n),
    jobStatus: 'completed',
    reason: null,
    manual: false,
    ...overrides,
  }
}

/** A task as the Api lists it; every field can be overridden. */
export function makeTaskWire(overrides: Partial<TaskWire> = {}): TaskWire {
  const n = next++
  return {
    id: uuid(n),
    jobId: uuid(0),
    jobName: null,
    index: 0,
    type: 'sleep',
    status: 'succeeded',
    attemptCount: 1,
    maxAttempts: 3,
    workerId: 'worker-1',
    error: null,
    input: null,
    result: null,
    progress: null,
    createdAt: '2026-11-24T10:00:00Z',
    updatedAt: '2026-11-24T10:00:01Z',
    startedAt: '2026-11-24T10:00:00Z',
    finishedAt: '2026-11-24T10:00:01Z',
    ...overrides,
  }
}

export function makePage<T = JobWire>(items: T[], overrides: Partial<PagedWire<T>> = {}): PagedWire<T> {
  return { items, page: 1, pageSize: 50, totalCount: items.length, totalPages: items.length > 0 ? 1 : 0, ...overrides }
}

export function makeProgress(overrides: Partial<TaskProgress> = {}): TaskProgress {
  return { total: 0, done: 0, succeeded: 0, failed: 0, running: 0, cancelled: 0, ...overrides }
}

export function makeWorkerWire(overrides: Partial<WorkerWire> = {}): WorkerWire {
  return {
    id: 'worker-1',
    host: 'host-a',
    processId: 4242,
    slots: 4,
    startedAt: '2026-11-24T09:00:00Z',
    lastHeartbeatAt: '2026-11-24T10:00:00Z',
    status: 'active',
    runningTasks: [],
    completedLastMinute: 120,
    tasksPerSecond: 2,
    queues: ['default'],
    ...overrides,
  }
}

export function makeTimelineItem(overrides: Partial<TimelineItemWire> = {}): TimelineItemWire {
  return {
    taskId: 't0',
    taskIndex: 0,
    attempt: 1,
    workerId: 'worker-1',
    startedAt: '2026-11-24T10:00:00Z',
    endedAt: '2026-11-24T10:00:01Z',
    outcome: 'succeeded',
    ...overrides,
  }
}

/** What the catalogue says of a demo type that the live workers run. */
const SERVED = { workers: ['worker-1'], lastSeenAt: '2026-11-24T10:00:00Z', served: true, maxAttempts: 3, queue: 'default' }

/** A whole number as JsonSchemaExporter writes it under JsonSerializerOptions.Web (which reads one from a string too). */
const WHOLE = { type: ['string', 'integer'], pattern: '^-?(?:0|[1-9]\\d*)$' }

/** The input schema the digest worker registers, as System.Text.Json's JsonSchemaExporter writes it. */
export const DIGEST_SCHEMA = {
  type: 'object',
  properties: {
    text: { description: 'The text to digest.', type: 'string' },
    rounds: {
      description: 'How many times SHA-256 is applied, each round to the previous digest.',
      type: ['string', 'integer'],
      pattern: '^-?(?:0|[1-9]\\d*)$',
      default: 1,
      minimum: 1,
      maximum: 1000,
    },
  },
  required: ['text'],
  additionalProperties: false,
}

/** The task types as GET /api/v1/task-types answers, trimmed to the ones the tests use. */
export const TASK_TYPES: TaskTypeWire[] = [
  { name: 'noop', description: 'Does nothing.', inputSchema: { type: 'object', additionalProperties: false }, ...SERVED },
  { name: 'echo', description: 'Returns its parameters.', inputSchema: { type: 'object' }, ...SERVED },
  {
    name: 'sleep',
    description: 'Sleeps, then succeeds.',
    inputSchema: {
      type: 'object',
      properties: { ms: { description: 'How long each task sleeps, in milliseconds.', ...WHOLE, default: 100, minimum: 0, maximum: 600_000 } },
      additionalProperties: false,
    },
    ...SERVED,
  },
  {
    name: 'fail',
    description: 'Fails on purpose.',
    inputSchema: {
      type: 'object',
      properties: {
        probability: { description: 'Chance that an attempt fails.', type: ['string', 'number'], default: 0, minimum: 0, maximum: 1 },
        failOnAttempts: { description: 'Attempts that always fail.', type: ['array', 'null'], items: { ...WHOLE, minimum: 1, maximum: 25 }, default: null },
      },
      additionalProperties: false,
    },
    ...SERVED,
  },
  {
    name: 'digest',
    description: 'Hashes a text with SHA-256.',
    inputSchema: DIGEST_SCHEMA,
    maxAttempts: 3,
    workers: ['worker-2'],
    lastSeenAt: '2026-11-24T10:00:00Z',
    served: true,
    queue: 'default',
  },
  {
    // Registered by a worker that has stopped; its size is an object, which the form cannot show as fields.
    name: 'thumbnail',
    description: 'Makes a thumbnail of an image.',
    inputSchema: {
      type: 'object',
      properties: {
        url: { type: 'string' },
        size: { type: ['object', 'null'], properties: { width: { type: 'integer' }, height: { type: 'integer' } } },
      },
      required: ['url'],
    },
    maxAttempts: 3,
    workers: [],
    lastSeenAt: '2026-11-24T09:00:00Z',
    served: false,
    queue: 'images',
  },
]

/** A fetch Response carrying JSON, as the Api (or the dev proxy) would send it. */
export function jsonResponse(body: unknown, init: { status?: number; contentType?: string } = {}): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'Content-Type': init.contentType ?? 'application/json; charset=utf-8' },
  })
}

/** A problem+json Response, as the Api answers errors. */
export function problemResponse(problem: { status: number; title: string; detail?: string; errors?: Record<string, string[]> }): Response {
  return jsonResponse(problem, { status: problem.status, contentType: 'application/problem+json' })
}

type Route = [method: string, path: string | RegExp, answer: (init?: RequestInit) => Response | Promise<Response>]

/**
 * Stubs fetch with answers by method and path (a string is a prefix); an unexpected request fails
 * the test loudly. Returns the mock, to look at the requests made.
 */
export function routeFetch(routes: Route[]) {
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const path = String(input)
    const method = init?.method ?? 'GET'
    const route = routes.find(([m, p]) => m === method && (typeof p === 'string' ? path.startsWith(p) : p.test(path)))
    if (!route) {
      throw new Error(`Unexpected request ${method} ${path}`)
    }
    return route[2](init)
  }
  return fetch
}
