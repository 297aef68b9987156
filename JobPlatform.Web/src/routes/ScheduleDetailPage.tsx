import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState, type ReactNode } from 'react'
import { Link, useNavigate, useParams } from 'react-router'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { ConfirmButton } from '../components/ConfirmButton'
import { FireTimesList } from '../components/FireTimesList'
import { RelativeTime } from '../components/RelativeTime'
import { ScheduleForm, toScheduleFieldErrors, type ScheduleFieldErrors } from '../components/ScheduleForm'
import { ScheduleRunsTable } from '../components/ScheduleRunsTable'
import { ScheduleStateBadge } from '../components/ScheduleStateBadge'
import { ApiError, describeApiError } from '../services/api'
import { useNow } from '../services/clock'
import { POLL_INTERVAL_MS } from '../services/events'
import { formatInZone } from '../services/format'
import {
  deleteSchedule,
  describeRun,
  scheduleKeys,
  scheduleQuery,
  toScheduleRequest,
  triggerSchedule,
  updateSchedule,
  useSchedulePreview,
  type Schedule,
  type ScheduleRequestWire,
} from '../services/schedules'
import { taskTypesQuery } from '../services/taskTypes'

/**
 * /schedules/:id: a schedule's settings, its next five fire times on its own clock and its recent
 * runs with their jobs; pause or resume, Trigger now, Edit (in place) and Delete. Asked for every
 * 2 s, so runs appear as it fires: firings are not on the event stream.
 */
export function ScheduleDetailPage() {
  const { id = '' } = useParams()
  const queryClient = useQueryClient()
  const navigate = useNavigate()
  const now = useNow()
  const schedule = useQuery({ ...scheduleQuery(id), refetchInterval: POLL_INTERVAL_MS })
  const [editing, setEditing] = useState(false)
  const types = useQuery({ ...taskTypesQuery, enabled: editing })
  const [expression, setExpression] = useState({ cron: '', timeZone: '' })
  const preview = useSchedulePreview(editing ? expression.cron : '', expression.timeZone)
  const [formErrors, setFormErrors] = useState<ScheduleFieldErrors>({})
  const [saving, setSaving] = useState(false)
  const [busy, setBusy] = useState(false)
  const [actionError, setActionError] = useState<ApiError | null>(null)
  const [message, setMessage] = useState<string | null>(null)

  if (schedule.error && !schedule.data) {
    const problem = describeApiError(schedule.error, 'The schedule could not be loaded')
    const notFound = problem.status === 404
    return (
      <>
        <title>Schedule not found · JobPlatform</title>
        <ApiErrorNotice {...problem} title={notFound ? 'No such schedule' : problem.title} retrying={!notFound}>
          <Link to="/schedules">Back to the schedules</Link>
        </ApiErrorNotice>
      </>
    )
  }
  if (!schedule.data) {
    return (
      <p className="state" role="status">
        Loading the schedule…
      </p>
    )
  }
  const data = schedule.data

  const act = async (action: () => Promise<string>) => {
    setActionError(null)
    setMessage(null)
    setBusy(true)
    try {
      setMessage(await action())
    } catch (error) {
      setActionError(error instanceof ApiError ? error : new ApiError({ title: String(error) }))
    } finally {
      setBusy(false)
    }
  }
  const saved = (answer: Schedule) => {
    queryClient.setQueryData(scheduleKeys.detail(id), answer)
    void queryClient.invalidateQueries({ queryKey: scheduleKeys.lists() })
  }
  const togglePaused = () =>
    act(async () => {
      saved(await updateSchedule(id, { paused: !data.paused }))
      return data.paused ? 'The schedule is resumed.' : 'The schedule is paused: it fires only when triggered.'
    })
  const trigger = () =>
    act(async () => {
      const run = await triggerSchedule(id)
      void queryClient.invalidateQueries({ queryKey: scheduleKeys.all })
      return `Triggered. ${describeRun(run)}`
    })
  const remove = () =>
    act(async () => {
      await deleteSchedule(id)
      void queryClient.invalidateQueries({ queryKey: scheduleKeys.lists() })
      navigate('/schedules')
      return 'The schedule is deleted.'
    })
  const save = async (request: ScheduleRequestWire) => {
    setSaving(true)
    setFormErrors({})
    try {
      saved(await updateSchedule(id, request))
      setEditing(false)
      setMessage('The schedule is saved.')
    } catch (error) {
      setFormErrors(toScheduleFieldErrors(error))
    } finally {
      setSaving(false)
    }
  }

  const settings: [string, ReactNode][] = [
    ['Expression', <code key="cron">{data.cron}</code>],
    ['Time zone', data.timeZone],
    ['Overlap', data.overlap],
    ['Catch-up', data.catchUp],
    ['Next fire time', data.nextFireAt ? formatInZone(data.nextFireAt, data.timeZone) : '–'],
    ['Last fire time', data.lastFireAt ? formatInZone(data.lastFireAt, data.timeZone) : '–'],
    [
      'Job',
      <span key="job">
        <code>{data.job.type}</code> · {data.job.taskCount ?? 1} {data.job.taskCount === 1 ? 'task' : 'tasks'} · {data.job.priority ?? 'normal'} priority
        {data.job.parameters && Object.keys(data.job.parameters).length > 0 && (
          <>
            {' '}· parameters <code>{JSON.stringify(data.job.parameters)}</code>
          </>
        )}
      </span>,
    ],
    ['Created', <RelativeTime key="created" date={data.createdAt} now={now} />],
  ]

  return (
    <>
      <title>{`${data.name} · Schedules · JobPlatform`}</title>
      <div className="page-heading page-heading--wrap">
        <h1>{data.name}</h1>
        <p className="page-heading__meta">
          <span data-testid="schedule-state">
            <ScheduleStateBadge paused={data.paused} />
          </span>{' '}
          <code>{data.cron}</code> in {data.timeZone} · <span className="jobs__id">{data.id}</span>
        </p>
        <div className="job-actions">
          <button type="button" disabled={busy} onClick={() => void togglePaused()}>
            {data.paused ? 'Resume' : 'Pause'}
          </button>
          <button type="button" disabled={busy} onClick={() => void trigger()}>
            Trigger now
          </button>
          <button type="button" disabled={editing} onClick={() => setEditing(true)}>
            Edit
          </button>
          <ConfirmButton
            label="Delete schedule"
            question="Delete this schedule and its runs? It stops firing; the jobs it submitted stay."
            confirmLabel="Yes, delete"
            onConfirm={remove}
            disabled={busy}
          />
        </div>
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
      {schedule.error && <ApiErrorNotice {...describeApiError(schedule.error, 'The schedule could not be refreshed')} stale />}

      {editing && (
        <section aria-labelledby="edit-title" className="section">
          <h2 id="edit-title">Edit</h2>
          {types.error && <ApiErrorNotice {...describeApiError(types.error, 'The task types could not be loaded')} retrying={false} />}
          {types.data && (
            <ScheduleForm
              types={types.data}
              initial={toScheduleRequest(data)}
              errors={formErrors}
              submitting={saving}
              submitLabel="Save changes"
              preview={preview}
              onExpressionChange={(cron, timeZone) => setExpression({ cron, timeZone })}
              onSubmit={(request) => void save(request)}
              onCancel={() => {
                setEditing(false)
                setFormErrors({})
              }}
            />
          )}
        </section>
      )}

      <section aria-labelledby="settings-title" className="section">
        <h2 id="settings-title">Settings</h2>
        <dl className="job-summary__figures schedule-settings">
          {settings.map(([term, value]) => (
            <div key={term}>
              <dt>{term}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section aria-labelledby="fire-times-title" className="section">
        <h2 id="fire-times-title">Next fire times</h2>
        {data.paused ? (
          <p className="state">Paused: it fires only when triggered. Resumed, it fires from its next fire time on.</p>
        ) : (
          <FireTimesList fireTimes={data.nextFireTimes} timeZone={data.timeZone} />
        )}
      </section>

      <section aria-labelledby="runs-title" className="section">
        <h2 id="runs-title">Recent runs</h2>
        {data.recentRuns.length > 0 ? (
          <ScheduleRunsTable runs={data.recentRuns} timeZone={data.timeZone} />
        ) : (
          <p className="state">No runs yet: the first appears here at the next fire time, or when triggered.</p>
        )}
      </section>
    </>
  )
}
