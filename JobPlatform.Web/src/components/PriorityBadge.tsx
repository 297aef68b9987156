import type { JobPriority } from '../services/jobs'

type Tone = 'danger' | 'warning' | 'muted' | 'neutral'

const TONES: Partial<Record<JobPriority, Tone>> = {
  critical: 'danger',
  high: 'warning',
  low: 'muted',
}

export interface PriorityBadgeProps {
  priority: string
}

/**
 * A job's priority as a small pill, "high priority"; nothing for a normal one, so lists of
 * ordinary jobs stay calm. A priority the console does not know yet shows as neutral.
 */
export function PriorityBadge({ priority }: PriorityBadgeProps) {
  if (priority === 'normal') {
    return null
  }
  const tone = TONES[priority as JobPriority] ?? 'neutral'
  return <span className={`badge badge--${tone} priority-badge`}>{priority} priority</span>
}
