import { Link } from 'react-router'
import { formatInZone } from '../services/format'
import type { Schedule } from '../services/schedules'
import { RelativeTime } from './RelativeTime'
import { ScheduleStateBadge } from './ScheduleStateBadge'

export interface SchedulesTableProps {
  schedules: Schedule[]
  now: Date
  onTogglePaused: (schedule: Schedule) => void
  onTrigger: (schedule: Schedule) => void
  /** Schedules with a command under way: their buttons wait for it. */
  busy: ReadonlySet<string>
}

/** A time on the schedule's clock, and how far from now. */
function FireTime({ date, timeZone, now }: { date: Date | null; timeZone: string; now: Date }) {
  if (!date) {
    return <>–</>
  }
  return (
    <>
      <div>{formatInZone(date, timeZone)}</div>
      <div className="muted">
        <RelativeTime date={date} now={now} />
      </div>
    </>
  )
}

/** One row per schedule, in the order given (the Api's: oldest first), each with pause or resume and Trigger now. */
export function SchedulesTable({ schedules, now, onTogglePaused, onTrigger, busy }: SchedulesTableProps) {
  return (
    <table className="jobs schedules">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Expression</th>
          <th scope="col">Next fire time</th>
          <th scope="col">Last fire time</th>
          <th scope="col">State</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {schedules.map((schedule) => (
          <tr key={schedule.id}>
            <td>
              <div className="jobs__name">
                <Link to={`/schedules/${schedule.id}`}>{schedule.name}</Link>
              </div>
              <div className="muted">
                <code>{schedule.job.type}</code>
              </div>
            </td>
            <td>
              <code>{schedule.cron}</code>
              <div className="muted">{schedule.timeZone}</div>
            </td>
            <td>
              <FireTime date={schedule.nextFireAt} timeZone={schedule.timeZone} now={now} />
            </td>
            <td>
              <FireTime date={schedule.lastFireAt} timeZone={schedule.timeZone} now={now} />
            </td>
            <td>
              <ScheduleStateBadge paused={schedule.paused} />
            </td>
            <td className="schedules__actions">
              <button
                type="button"
                disabled={busy.has(schedule.id)}
                aria-label={`${schedule.paused ? 'Resume' : 'Pause'} ${schedule.name}`}
                onClick={() => onTogglePaused(schedule)}
              >
                {schedule.paused ? 'Resume' : 'Pause'}
              </button>{' '}
              <button type="button" disabled={busy.has(schedule.id)} aria-label={`Trigger ${schedule.name} now`} onClick={() => onTrigger(schedule)}>
                Trigger now
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
