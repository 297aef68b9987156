import { useQueryClient, type QueryClient } from '@tanstack/react-query'
import { createContext, useContext, useEffect, useState } from 'react'
import { currentTokenSource, type TokenSource } from './api'
import { jobKeys, toJob, type Job, type JobPage, type JobWire } from './jobs'
import { taskKeys } from './tasks'
import { throttleByKey } from './throttle'

/** live: the event stream is open; polling: it is not (yet, or any more), so pages ask every 2 s. */
export type LiveStatus = 'live' | 'polling'

/** How often pages ask the Api again while the event stream is down. Defaults to 2 s. */
export const POLL_INTERVAL_MS = 2_000

/** Lists, task tables and timelines are fetched again at most this often per job, however many events arrive. */
export const REFRESH_THROTTLE_MS = 1_000

/** The first wait before opening a stream the browser gave up on; it doubles up to the maximum. */
export const RECONNECT_DELAY_MS = 1_000
export const MAX_RECONNECT_DELAY_MS = 30_000

/**
 * A stream silent for this long is taken for dead (the Api pings idle streams every 15 s), closed
 * and opened again: a half-open connection would otherwise say "Live" while nothing arrives.
 */
export const SILENCE_TIMEOUT_MS = 45_000

/** The event names of GET /api/v1/events. */
export const EVENTS = { job: 'job', tasks: 'tasks', resync: 'resync', ping: 'ping' } as const

export const eventsPath = (jobId?: string) =>
  jobId ? `/api/v1/events?jobId=${encodeURIComponent(jobId)}` : '/api/v1/events'

/**
 * The stream's URL with its token: EventSource cannot send an Authorization header, so the Api
 * takes the token of GET /api/v1/events as `?access_token=` instead.
 */
export const eventsUrl = (token: string, jobId?: string) =>
  `${eventsPath(jobId)}${jobId ? '&' : '?'}access_token=${encodeURIComponent(token)}`

/** The part of the browser's EventSource used here, so tests can hand in their own. */
export interface EventSourceLike {
  readonly readyState: number
  onopen: ((event: Event) => void) | null
  onerror: ((event: Event) => void) | null
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void
  close(): void
}

/** EventSource.CLOSED: the browser will not reconnect by itself. */
const CLOSED = 2

export interface FollowEventsOptions {
  /** Follow one job's events only; every job's otherwise. */
  jobId?: string
  onStatus: (status: LiveStatus) => void
  createEventSource?: (url: string) => EventSourceLike
  /** Where the stream's token comes from; the one api.ts's requests use unless said. */
  tokens?: TokenSource
}

/** Replaces a job in every cached page of the jobs list that shows it. */
function patchLists(queryClient: QueryClient, job: Job) {
  queryClient.setQueriesData<JobPage>({ queryKey: jobKeys.lists() }, (page) =>
    page && page.jobs.some((j) => j.id === job.id) ? { ...page, jobs: page.jobs.map((j) => (j.id === job.id ? job : j)) } : page,
  )
}

/**
 * Follows GET /api/v1/events and keeps TanStack Query's cache current, returning a function that
 * stops. A `job` event carries the job's whole state: it replaces the cached job at once, and the
 * job lists are fetched again at most once a second (a new job, or one that moved between
 * filters). A `tasks` event says some of a job's tasks changed: its task table, timeline and any
 * opened attempts are fetched again at most once a second per job, the last event of a burst always
 * followed by a fetch. Invalidation only refetches queries on screen, so a job of 10,000 fast tasks
 * costs the browser a fetch or two a second, whatever the number of events.
 *
 * The browser's EventSource reconnects by itself after a dropped connection; after an answer it
 * cannot use (a 502 from the dev proxy while the Api starts, a 401 once the token in the URL has
 * expired) it gives up, so then this opens a new one with a fresh token, waiting 1 s, 2 s, 4 s ...
 * up to 30 s. After any gap, everything shown is fetched again, since changes in the gap were never
 * announced.
 */
export function followEvents(queryClient: QueryClient, options: FollowEventsOptions): () => void {
  const create = options.createEventSource ?? ((url: string) => new EventSource(url))
  const tokens = options.tokens ?? currentTokenSource()
  const refreshLists = throttleByKey(() => void queryClient.invalidateQueries({ queryKey: jobKeys.lists() }), REFRESH_THROTTLE_MS)
  const refreshTasks = throttleByKey((jobId) => {
    void queryClient.invalidateQueries({ queryKey: jobKeys.tasks(jobId) })
    void queryClient.invalidateQueries({ queryKey: jobKeys.timeline(jobId) })
    void queryClient.invalidateQueries({ queryKey: [...taskKeys.all, 'detail'] })
  }, REFRESH_THROTTLE_MS)
  const refreshFailures = throttleByKey(() => void queryClient.invalidateQueries({ queryKey: taskKeys.failuresAll() }), REFRESH_THROTTLE_MS)
  const refreshEverything = () => {
    void queryClient.invalidateQueries({ queryKey: jobKeys.all })
    void queryClient.invalidateQueries({ queryKey: taskKeys.all })
  }

  let source: EventSourceLike | null = null
  /** The token in the current stream's URL, and whether the Api may have refused it. */
  let token: string | undefined
  let renewToken = false
  let stopped = false
  let missedChanges = false
  let failures = 0
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined
  let silenceTimer: ReturnType<typeof setTimeout> | undefined

  const heard = () => {
    clearTimeout(silenceTimer)
    silenceTimer = setTimeout(() => {
      source?.close()
      lost()
    }, SILENCE_TIMEOUT_MS)
  }

  const lost = () => {
    clearTimeout(silenceTimer)
    missedChanges = true
    options.onStatus('polling')
    if (stopped || reconnectTimer !== undefined) {
      return
    }
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, RECONNECT_DELAY_MS * 2 ** failures)
    failures++
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined
      void open()
    }, delay)
  }

  const parse = <T,>(event: MessageEvent<string>): T | undefined => {
    try {
      return JSON.parse(event.data) as T
    } catch {
      // A malformed event is dropped; the next one, or the refetch it would have caused, carries the state.
      return undefined
    }
  }

  const open = async () => {
    let fresh: string
    try {
      fresh = renewToken && token ? await tokens.renew(token) : await tokens.token()
    } catch {
      // The Api is down or refused the key: the pages say so (or the sign-in screen takes over).
      if (!stopped) {
        lost()
      }
      return
    }
    if (stopped) {
      return
    }
    token = fresh
    renewToken = false
    const current = create(eventsUrl(fresh, options.jobId))
    source = current
    current.onopen = () => {
      failures = 0
      options.onStatus('live')
      heard()
      if (missedChanges) {
        missedChanges = false
        refreshEverything()
      }
    }
    current.onerror = () => {
      if (current.readyState === CLOSED) {
        // An EventSource tells no status; a 401 (the token expired or was revoked) looks like any
        // other refusal, so the next stream gets a new token.
        renewToken = true
        lost()
      } else {
        // The browser is reconnecting by itself; poll until it has.
        clearTimeout(silenceTimer)
        missedChanges = true
        options.onStatus('polling')
      }
    }
    current.addEventListener(EVENTS.job, (event) => {
      heard()
      const wire = parse<JobWire>(event)
      if (!wire?.id) {
        return
      }
      const job = toJob(wire)
      const cached = queryClient.getQueryData<Job>(jobKeys.detail(job.id))
      // An answer to cancel or retry may already be newer than an event sent before it.
      if (!cached || cached.updatedAt <= job.updatedAt) {
        queryClient.setQueryData(jobKeys.detail(job.id), job)
        patchLists(queryClient, job)
      }
      refreshLists('lists')
    })
    current.addEventListener(EVENTS.tasks, (event) => {
      heard()
      const jobId = parse<{ jobId?: string }>(event)?.jobId
      if (jobId) {
        refreshTasks(jobId)
        refreshFailures('failures')
      }
    })
    current.addEventListener(EVENTS.resync, () => {
      heard()
      refreshEverything()
    })
    current.addEventListener(EVENTS.ping, heard)
  }

  void open()
  return () => {
    stopped = true
    clearTimeout(reconnectTimer)
    clearTimeout(silenceTimer)
    refreshLists.cancel()
    refreshTasks.cancel()
    refreshFailures.cancel()
    source?.close()
  }
}

/**
 * Follows the event stream while mounted (one job's when `jobId` is given) and says whether it is
 * live. Changing `jobId` moves to the other stream and keeps the status until the new one opens
 * or fails, so the header does not flicker on every page change.
 */
export function useLiveUpdates(jobId?: string): LiveStatus {
  const queryClient = useQueryClient()
  const [status, setStatus] = useState<LiveStatus>('polling')

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      return
    }
    return followEvents(queryClient, { jobId, onStatus: setStatus })
  }, [jobId, queryClient])

  return status
}

/** Whether the console's event stream is live; the App provides it, pages read it. */
export const LiveStatusContext = createContext<LiveStatus>('polling')

export const useLiveStatus = (): LiveStatus => useContext(LiveStatusContext)

/** The refetchInterval for a page's queries: none while events arrive, 2 s while they do not. */
export function usePollInterval(): number | false {
  return useLiveStatus() === 'live' ? false : POLL_INTERVAL_MS
}
