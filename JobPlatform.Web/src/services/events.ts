import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useState } from 'react'
import { jobKeys, toJob, type JobWire } from './jobs'
import { throttleByKey } from './throttle'

/** live: the event stream is open; polling: it is not (yet, or any more), so pages ask every few seconds. */
export type LiveStatus = 'live' | 'polling'

/** How often pages ask the Api again while the event stream is down. */
export const POLL_INTERVAL_MS = 2_000

/** Lists and task tables are fetched again at most this often, however many events arrive. */
export const REFRESH_THROTTLE_MS = 1_000

/**
 * Follows GET /api/v1/events (one job's, or every job's) and keeps TanStack Query's cache current:
 * a `job` event replaces that job's cached state; `tasks` and `job` events make the lists, task
 * tables and timeline fetch again, throttled, so a job of 10,000 fast tasks cannot flood the page.
 * EventSource reconnects by itself; until it does, the status says "polling".
 */
export function useLiveUpdates(jobId?: string): LiveStatus {
  const queryClient = useQueryClient()
  const [status, setStatus] = useState<LiveStatus>('polling')

  useEffect(() => {
    if (typeof EventSource === 'undefined') {
      return
    }
    const source = new EventSource(jobId ? `/api/v1/events?jobId=${encodeURIComponent(jobId)}` : '/api/v1/events')
    const refreshLists = throttleByKey(() => void queryClient.invalidateQueries({ queryKey: jobKeys.lists() }), REFRESH_THROTTLE_MS)
    const refreshTasks = throttleByKey((id) => {
      void queryClient.invalidateQueries({ queryKey: jobKeys.tasks(id) })
      void queryClient.invalidateQueries({ queryKey: jobKeys.timeline(id) })
    }, REFRESH_THROTTLE_MS)

    source.onopen = () => setStatus('live')
    source.onerror = () => setStatus('polling')
    source.addEventListener('job', (event) => {
      const job = toJob(JSON.parse((event as MessageEvent<string>).data) as JobWire)
      queryClient.setQueryData(jobKeys.detail(job.id), job)
      refreshLists('lists')
    })
    source.addEventListener('tasks', (event) => {
      refreshTasks((JSON.parse((event as MessageEvent<string>).data) as { jobId: string }).jobId)
    })
    source.addEventListener('resync', () => void queryClient.invalidateQueries({ queryKey: jobKeys.all }))
    return () => source.close()
  }, [jobId, queryClient])

  return status
}
