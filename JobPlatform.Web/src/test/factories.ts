import type { JobWire, PagedWire, TaskCountsWire, TaskProgress } from '../services/jobs'

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

let nextJob = 1

/** A job as the Api sends it; every field can be overridden. */
export function makeJobWire(overrides: Partial<JobWire> = {}): JobWire {
  const n = nextJob++
  return {
    id: `0196a000-0000-7000-8000-${String(n).padStart(12, '0')}`,
    name: `job-${n}`,
    type: 'sleep',
    status: 'enqueued',
    taskCount: 10,
    maxAttempts: 3,
    failureThreshold: 0,
    timeoutSeconds: null,
    parameters: { ms: 10 },
    counts: makeCounts({ enqueued: 10 }),
    createdAt: '2026-11-24T10:00:00.000+00:00',
    updatedAt: '2026-11-24T10:00:00.000+00:00',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  }
}

export function makePage(items: JobWire[], overrides: Partial<PagedWire<JobWire>> = {}): PagedWire<JobWire> {
  return { items, page: 1, pageSize: 50, totalCount: items.length, totalPages: items.length > 0 ? 1 : 0, ...overrides }
}

export function makeProgress(overrides: Partial<TaskProgress> = {}): TaskProgress {
  return { total: 0, done: 0, succeeded: 0, failed: 0, running: 0, cancelled: 0, ...overrides }
}

/** A fetch Response carrying JSON, as the Api (or the dev proxy) would send it. */
export function jsonResponse(body: unknown, init: { status?: number; contentType?: string } = {}): Response {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'Content-Type': init.contentType ?? 'application/json; charset=utf-8' },
  })
}
