import { formatInZone } from '../services/format'

export interface FireTimesListProps {
  /** Instants as the Api writes them, with their zone's offset. */
  fireTimes: string[]
  /** The IANA zone whose clock they are shown on. */
  timeZone: string
  /** What the list is, for assistive technology. Defaults to "Next fire times". */
  label?: string
}

/** Fire times in order, each on the schedule's own clock with its offset. */
export function FireTimesList({ fireTimes, timeZone, label = 'Next fire times' }: FireTimesListProps) {
  return (
    <ol className="fire-times" aria-label={label}>
      {fireTimes.map((instant) => (
        <li key={instant}>
          <time dateTime={instant}>{formatInZone(instant, timeZone)}</time>
        </li>
      ))}
    </ol>
  )
}
