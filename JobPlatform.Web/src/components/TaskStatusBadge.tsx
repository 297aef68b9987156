import type { TaskStatus } from '../services/jobs'

type Tone = 'neutral' | 'active' | 'warning' | 'success' | 'danger' | 'muted'

const TONES: Record<TaskStatus, Tone> = {
  pending: 'neutral',
  enqueued: 'neutral',
  running: 'active',
  retrying: 'warning',
  succeeded: 'success',
  failed: 'danger',
  dead_lettered: 'danger',
  cancelled: 'muted',
}

export interface TaskStatusBadgeProps {
  status: TaskStatus
}

/** A task's status as a pill that says it in words; the colour only repeats it. */
export function TaskStatusBadge({ status }: TaskStatusBadgeProps) {
  return <span className={`badge badge--${TONES[status] ?? 'neutral'}`}>{status}</span>
}
