import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Link } from 'react-router'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { Pager } from '../components/Pager'
import { SchedulesTable } from '../components/SchedulesTable'
import { ApiError, describeApiError } from '../services/api'
import { useNow } from '../services/clock'
import { POLL_INTERVAL_MS } from '../services/events'
import { plural } from '../services/format'
import { describeRun, scheduleKeys, scheduleListQuery, triggerSchedule, updateSchedule, type Schedule } from '../services/schedules'
import { useSearchState } from '../services/searchParams'

/**
 * /schedules: every schedule of the tenant with its next and last fire times, paused or active;
 * pause, resume and Trigger now from its row. Asked for every 2 s: firings are not on the event stream.
 */
export function SchedulesPage() {
  const queryClient = useQueryClient()
  const now = useNow()
  const [search, update] = useSearchState()
  const page = Math.max(1, Math.floor(Number(search.get('page') ?? '1')) || 1)
  const { data, error, isPending } = useQuery({
    ...scheduleListQuery(page),
    placeholderData: keepPreviousData,
    refetchInterval: POLL_INTERVAL_MS,
    retry: false,
  })
  const [busy, setBusy] = useState<ReadonlySet<string>>(new Set())
  const [actionError, setActionError] = useState<ApiError | null>(null)
  const [message, setMessage] = useState<string | null>(null)

  const act = async (schedule: Schedule, action: () => Promise<string>) => {
    setActionError(null)
    setMessage(null)
    setBusy((current) => new Set(current).add(schedule.id))
    try {
      setMessage(await action())
      void queryClient.invalidateQueries({ queryKey: scheduleKeys.all })
    } catch (e) {
      setActionError(e instanceof ApiError ? e : new ApiError({ title: String(e) }))
    } finally {
      setBusy((current) => {
        const next = new Set(current)
        next.delete(schedule.id)
        return next
      })
    }
  }
  const togglePaused = (schedule: Schedule) =>
    void act(schedule, async () => {
      await updateSchedule(schedule.id, { paused: !schedule.paused })
      return `${schedule.name} is ${schedule.paused ? 'resumed' : 'paused'}.`
    })
  const trigger = (schedule: Schedule) => void act(schedule, async () => `${schedule.name}: ${describeRun(await triggerSchedule(schedule.id))}`)

  return (
    <>
      <title>Schedules · JobPlatform</title>
      <div className="page-heading">
        <h1>Schedules</h1>
        {data && <p className="page-heading__meta">{plural(data.totalCount, 'schedule')}</p>}
        <Link className="button primary" to="/schedules/new">
          New schedule
        </Link>
      </div>
      {actionError && (
        <div className="notice notice--error" role="alert">
          <h2>{actionError.title}</h2>
          {actionError.detail && <p>{actionError.detail}</p>}
        </div>
      )}
      {message && (
        <p className="notice" role="status">
          {message}
        </p>
      )}
      {error && <ApiErrorNotice {...describeApiError(error, 'The schedules could not be loaded')} stale={data !== undefined} />}
      {isPending && !error && (
        <p className="state" role="status">
          Loading schedules…
        </p>
      )}
      {data && data.totalCount === 0 && (
        <section className="state" aria-labelledby="empty-schedules-title">
          <h2 id="empty-schedules-title">No schedules yet</h2>
          <p>
            A schedule submits a job at every fire time of a cron expression, in the time zone you choose.{' '}
            <Link to="/schedules/new">Create one</Link>.
          </p>
        </section>
      )}
      {data && data.schedules.length > 0 && (
        <>
          <SchedulesTable schedules={data.schedules} now={now} onTogglePaused={togglePaused} onTrigger={trigger} busy={busy} />
          <Pager page={page} totalPages={data.totalPages} onPage={(p) => update({ page: p > 1 ? String(p) : '' })} label="Schedule pages" />
        </>
      )}
    </>
  )
}
