import { absoluteTime, relativeTime } from '../services/format'

export interface RelativeTimeProps {
  date: Date | null
  now: Date
  /** Shown when there is no date. Defaults to a dash. */
  empty?: string
}

/** "12 seconds ago", with the exact time on hover and in the machine-readable dateTime. */
export function RelativeTime({ date, now, empty = '–' }: RelativeTimeProps) {
  if (!date) {
    return <>{empty}</>
  }
  return (
    <time dateTime={date.toISOString()} title={absoluteTime(date)}>
      {relativeTime(date, now)}
    </time>
  )
}
