import type { JobStatus } from '../services/jobs'

type Tone = 'scheduled' | 'neutral' | 'active' | 'success' | 'danger' | 'muted'

const TONES: Record<JobStatus, Tone> = {
  // Waiting for a time, not for a worker: set apart from the queued states.
  scheduled: 'scheduled',
  pending: 'neutral',
  enqueued: 'neutral',
  running: 'active',
  completed: 'success',
  failed: 'danger',
  cancelled: 'muted',
}

export interface JobStatusBadgeProps {
  status: JobStatus
}

/** A job's status as a coloured pill. A status the console does not know yet shows as neutral. */
export function JobStatusBadge({ status }: JobStatusBadgeProps) {
  const tone = TONES[status] ?? 'neutral'
  return <span className={`badge badge--${tone}`}>{status}</span>
}
