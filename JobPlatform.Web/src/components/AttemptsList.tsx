import type { AttemptWire } from '../services/tasks'

/** A task's attempts, oldest first: worker, start, duration, outcome and error. */
export function AttemptsList({ attempts }: { attempts: AttemptWire[] }) {
  if (attempts.length === 0) {
    return <p className="state">No attempt yet.</p>
  }
  return (
    <ol className="attempts">
      {attempts.map((attempt) => (
        <li key={attempt.id}>
          Attempt {attempt.number} on {attempt.workerId}, started{' '}
          <time dateTime={attempt.startedAt}>{new Date(attempt.startedAt).toLocaleTimeString()}</time>
          {attempt.endedAt
            ? `, ${((Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt)) / 1000).toFixed(2)} s: ${attempt.outcome ?? 'ended'}`
            : ': running'}
          {attempt.error && <span className="error-text"> ({attempt.error})</span>}
        </li>
      ))}
    </ol>
  )
}
