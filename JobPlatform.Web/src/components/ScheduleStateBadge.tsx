export interface ScheduleStateBadgeProps {
  paused: boolean
}

/** Whether a schedule fires by itself: active, or paused (it fires only when triggered). */
export function ScheduleStateBadge({ paused }: ScheduleStateBadgeProps) {
  return <span className={`badge ${paused ? 'badge--muted' : 'badge--active'}`}>{paused ? 'paused' : 'active'}</span>
}
