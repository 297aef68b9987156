import { queryOptions, useQuery } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { deleteJson, getJson, patchJson, postJson, ValidationError } from './api'
import { toOptionalDate } from './format'
import type { PagedWire, SubmitJobWire } from './jobs'
import type { components } from './schema'

type Schemas = components['schemas']

/** What a schedule does when a fire time comes while the job of the previous one is unfinished. */
export const OVERLAP_POLICIES = ['skip', 'allow', 'cancel-previous'] as const
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number]
export const DEFAULT_OVERLAP: OverlapPolicy = 'skip'

/** What a schedule does with the fire times it missed (the Api was down): none, or one of them. */
export const CATCH_UP_POLICIES = ['skip', 'once'] as const
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number]
export const DEFAULT_CATCH_UP: CatchUpPolicy = 'skip'

/** The outcomes of a firing: the job was submitted, or it was not and the run says why. */
export type ScheduleRunOutcome = 'submitted' | 'skipped'

// ---- Wire types: generated from the Api's OpenAPI document (npm run gen:api). ----

/** The job a schedule submits: what POST /api/v1/jobs takes, without runAt or delay. */
export type ScheduleJobWire = Omit<SubmitJobWire, 'runAt' | 'delay' | 'parameters'> & { parameters?: Record<string, unknown> | null }

/** A schedule as the Api sends it; GET of one schedule, PATCH and trigger add the fire times and runs. */
export type ScheduleWire = Omit<Schemas['ScheduleResponse'], 'job' | 'recentRuns'> & {
  job: ScheduleJobWire
  recentRuns?: ScheduleRunWire[] | null
}

/** One firing of a schedule, scheduled or triggered by hand. */
export type ScheduleRunWire = Schemas['ScheduleRunResponse']

/** The body of POST /api/v1/schedules; PATCH takes any part of it. */
export type ScheduleRequestWire = {
  name: string
  cron: string
  timeZone: string
  job: ScheduleJobWire
  overlap: OverlapPolicy
  catchUp: CatchUpPolicy
  paused: boolean
}

export type SchedulePreviewWire = Schemas['SchedulePreviewResponse']

// ---- Console types and mappers. ----

export interface ScheduleRun {
  id: number
  /** The fire time the run is for; a manual run's is when it was triggered. */
  fireTime: Date
  firedAt: Date
  /** submitted or skipped; kept as the Api sent it, so an outcome added later still shows. */
  outcome: string
  jobId: string | null
  jobStatus: string | null
  reason: string | null
  manual: boolean
}

export interface Schedule {
  id: string
  name: string
  cron: string
  timeZone: string
  job: ScheduleJobWire
  overlap: string
  catchUp: string
  paused: boolean
  /** Null while paused. */
  nextFireAt: Date | null
  lastFireAt: Date | null
  createdAt: Date
  updatedAt: Date
  /** The next five fire times as the Api wrote them, with the offset of the schedule's zone; empty in lists. */
  nextFireTimes: string[]
  /** Newest first; empty in lists. */
  recentRuns: ScheduleRun[]
}

export interface SchedulePage {
  schedules: Schedule[]
  page: number
  pageSize: number
  totalCount: number
  totalPages: number
}

export const toScheduleRun = (wire: ScheduleRunWire): ScheduleRun => ({
  id: wire.id,
  fireTime: new Date(wire.fireTime),
  firedAt: new Date(wire.firedAt),
  outcome: wire.outcome,
  jobId: wire.jobId,
  jobStatus: wire.jobStatus,
  reason: wire.reason,
  manual: wire.manual,
})

export const toSchedule = (wire: ScheduleWire): Schedule => ({
  id: wire.id,
  name: wire.name,
  cron: wire.cron,
  timeZone: wire.timeZone,
  job: wire.job,
  overlap: wire.overlap,
  catchUp: wire.catchUp,
  paused: wire.paused,
  nextFireAt: toOptionalDate(wire.nextFireAt),
  lastFireAt: toOptionalDate(wire.lastFireAt),
  createdAt: new Date(wire.createdAt),
  updatedAt: new Date(wire.updatedAt),
  nextFireTimes: wire.nextFireTimes ?? [],
  recentRuns: (wire.recentRuns ?? []).map(toScheduleRun),
})

/** The request that recreates a schedule as it is: what the edit form starts from. */
export const toScheduleRequest = (schedule: Schedule): ScheduleRequestWire => ({
  name: schedule.name,
  cron: schedule.cron,
  timeZone: schedule.timeZone,
  job: schedule.job,
  overlap: (OVERLAP_POLICIES as readonly string[]).includes(schedule.overlap) ? (schedule.overlap as OverlapPolicy) : DEFAULT_OVERLAP,
  catchUp: (CATCH_UP_POLICIES as readonly string[]).includes(schedule.catchUp) ? (schedule.catchUp as CatchUpPolicy) : DEFAULT_CATCH_UP,
  paused: schedule.paused,
})

/** What came of a firing, in words: "A job was submitted." or "Skipped: <the Api's reason>" */
export const describeRun = (run: Pick<ScheduleRun, 'outcome' | 'reason'>): string =>
  run.outcome === 'submitted' ? 'A job was submitted.' : `${run.outcome === 'skipped' ? 'Skipped' : run.outcome}${run.reason ? `: ${run.reason}` : '.'}`

// ---- Queries and commands. ----

/** How many schedules the console asks for at once: 50. */
export const SCHEDULE_PAGE_SIZE = 50

/** Query keys; invalidating `scheduleKeys.all` refreshes every schedule list and page on screen. */
export const scheduleKeys = {
  all: ['schedules'] as const,
  lists: () => [...scheduleKeys.all, 'list'] as const,
  list: (page: number, pageSize: number) => [...scheduleKeys.lists(), { page, pageSize }] as const,
  detail: (id: string) => [...scheduleKeys.all, 'detail', id] as const,
  preview: (cron: string, timeZone: string) => [...scheduleKeys.all, 'preview', cron, timeZone] as const,
}

const schedulePath = (id: string) => `/api/v1/schedules/${encodeURIComponent(id)}`

/** Schedules oldest first (the Api's order), one page of them. */
export const scheduleListQuery = (page: number, pageSize = SCHEDULE_PAGE_SIZE) =>
  queryOptions({
    queryKey: scheduleKeys.list(page, pageSize),
    queryFn: async ({ signal }): Promise<SchedulePage> => {
      const wire = await getJson<PagedWire<ScheduleWire>>(`/api/v1/schedules?page=${page}&pageSize=${pageSize}`, signal)
      return { schedules: wire.items.map(toSchedule), page: wire.page, pageSize: wire.pageSize, totalCount: wire.totalCount, totalPages: wire.totalPages }
    },
  })

/** One schedule with its next five fire times and its recent runs. */
export const scheduleQuery = (id: string) =>
  queryOptions({
    queryKey: scheduleKeys.detail(id),
    queryFn: async ({ signal }) => toSchedule(await getJson<ScheduleWire>(schedulePath(id), signal)),
  })

/**
 * The next five fire times of an expression in a zone, or a {@link ValidationError} naming `cron`
 * or `timeZone`. An answer stays good: the same expression gives the same times until the first passes.
 */
export const schedulePreviewQuery = (cron: string, timeZone: string) =>
  queryOptions({
    queryKey: scheduleKeys.preview(cron, timeZone),
    queryFn: ({ signal }) =>
      getJson<SchedulePreviewWire>(`/api/v1/schedules/preview?${new URLSearchParams({ cron, timeZone })}`, signal),
    staleTime: 30_000,
    retry: false,
  })

export const createSchedule = async (request: ScheduleRequestWire): Promise<Schedule> =>
  toSchedule(await postJson<ScheduleWire>('/api/v1/schedules', request))

/** Changes the fields given (pause and resume with `paused`); answers with the fire times and runs. */
export const updateSchedule = async (id: string, changes: Partial<ScheduleRequestWire>): Promise<Schedule> =>
  toSchedule(await patchJson<ScheduleWire>(schedulePath(id), changes))

/** Deletes a schedule and its runs; the jobs it submitted stay. */
export const deleteSchedule = (id: string): Promise<void> => deleteJson(schedulePath(id))

/** Fires a schedule now under its overlap policy; the run may come back skipped, with the reason. */
export const triggerSchedule = async (id: string): Promise<ScheduleRun> =>
  toScheduleRun(await postJson<ScheduleRunWire>(`${schedulePath(id)}/trigger`))

// ---- The preview while typing. ----

/** How long the preview waits after the last key before it asks the Api. Defaults to 300 ms. */
export const PREVIEW_DELAY_MS = 300

export interface SchedulePreview {
  /** The next five fire times, with the zone's offset; undefined until an answer came. */
  fireTimes?: string[]
  timeZone?: string
  /** The Api's messages by field (`cron`, `timeZone`), "" for anything else. */
  errors: Record<string, string>
  loading: boolean
}

/**
 * The preview of what is typed, asked for once typing pauses for {@link PREVIEW_DELAY_MS}.
 * Nothing is asked for an empty expression.
 */
export function useSchedulePreview(cron: string, timeZone: string): SchedulePreview {
  const [asked, setAsked] = useState({ cron: cron.trim(), timeZone: timeZone.trim() })
  useEffect(() => {
    const timer = setTimeout(() => setAsked({ cron: cron.trim(), timeZone: timeZone.trim() }), PREVIEW_DELAY_MS)
    return () => clearTimeout(timer)
  }, [cron, timeZone])
  const { data, error, isFetching } = useQuery({ ...schedulePreviewQuery(asked.cron, asked.timeZone), enabled: asked.cron !== '' })
  const errors: Record<string, string> = {}
  if (error instanceof ValidationError) {
    for (const [field, messages] of Object.entries(error.errors)) {
      errors[field] = messages.join(' ')
    }
  } else if (error) {
    errors[''] = error.message
  }
  return { fireTimes: error ? undefined : data?.fireTimes, timeZone: data?.timeZone, errors, loading: isFetching }
}
