import type { LiveStatus } from '../services/events'

export interface LiveIndicatorProps {
  status: LiveStatus
}

/** "Live" while the event stream is open, "Polling" while pages ask every 2 s instead. */
export function LiveIndicator({ status }: LiveIndicatorProps) {
  const live = status === 'live'
  return (
    <span
      className={`live live--${status}`}
      data-testid="live-indicator"
      title={live ? 'Changes arrive as they happen.' : 'The event stream is down; pages ask the Api every 2 s while it reconnects.'}
    >
      {live ? 'Live' : 'Polling'}
    </span>
  )
}
