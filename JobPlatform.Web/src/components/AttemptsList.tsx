import { formatSeconds } from '../services/format'
import type { Attempt } from '../services/tasks'

export interface AttemptsListProps {
  attempts: Attempt[]
}

const clock = (date: Date) => date.toLocaleTimeString(undefined, { hour12: false })

/** A task's attempts, oldest first: worker, start, duration, outcome and error. */
export function AttemptsList({ attempts }: AttemptsListProps) {
  if (attempts.length === 0) {
    return <p className="state">No attempt yet.</p>
  }
  return (
    <ol className="attempts">
      {attempts.map((attempt) => (
        <li key={attempt.id}>
          Attempt {attempt.number} on {attempt.workerId}, started{' '}
          <time dateTime={attempt.startedAt.toISOString()} title={attempt.startedAt.toLocaleString()}>
            {clock(attempt.startedAt)}
          </time>
          {attempt.endedAt
            ? `, ${formatSeconds((attempt.endedAt.getTime() - attempt.startedAt.getTime()) / 1000)}: ${attempt.outcome ?? 'ended'}`
            : ': running'}
          {attempt.error && <span className="error-text"> ({attempt.error})</span>}
          {attempt.errorDetail && (
            <details className="attempts__detail">
              <summary>Details</summary>
              <pre>{attempt.errorDetail}</pre>
            </details>
          )}
        </li>
      ))}
    </ol>
  )
}
