import { Link } from 'react-router'
import { formatInZone, formatSeconds } from '../services/format'
import type { JobStatus } from '../services/jobs'
import type { ScheduleRun } from '../services/schedules'
import { JobStatusBadge } from './JobStatusBadge'

export interface ScheduleRunsTableProps {
  runs: ScheduleRun[]
  /** The schedule's zone, whose clock the fire times are shown on. */
  timeZone: string
}

/** How long after its fire time a run fired: "0.42 s"; a run fired early (clock skew) counts as on time. */
export const lateness = (run: Pick<ScheduleRun, 'fireTime' | 'firedAt'>): string =>
  formatSeconds(Math.max(0, (run.firedAt.getTime() - run.fireTime.getTime()) / 1000))

/** A schedule's runs, newest first: when, how late, what came of it and the job it submitted. */
export function ScheduleRunsTable({ runs, timeZone }: ScheduleRunsTableProps) {
  return (
    <table className="jobs schedule-runs" data-testid="schedule-runs">
      <thead>
        <tr>
          <th scope="col">Fire time</th>
          <th scope="col">Lateness</th>
          <th scope="col">Outcome</th>
          <th scope="col">Job</th>
          <th scope="col">Reason</th>
          <th scope="col">Manual</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <time dateTime={run.fireTime.toISOString()}>{formatInZone(run.fireTime, timeZone)}</time>
            </td>
            <td className="numeric">{lateness(run)}</td>
            <td>
              <span className={`badge ${run.outcome === 'submitted' ? 'badge--success' : 'badge--warning'}`}>{run.outcome}</span>
            </td>
            <td>
              {run.jobId ? (
                <>
                  <Link to={`/jobs/${run.jobId}`}>Job</Link> {run.jobStatus && <JobStatusBadge status={run.jobStatus as JobStatus} />}
                </>
              ) : (
                '–'
              )}
            </td>
            <td>{run.reason ?? '–'}</td>
            <td>{run.manual ? 'yes' : 'no'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
