/** Counts in the console read "1,000": one grouping for every browser, so texts and tests agree. */
const counts = new Intl.NumberFormat('en-US')

/** 1234 → "1,234". */
export function formatCount(n: number): string {
  return counts.format(n)
}

/** "1 attempt", "1,000 attempts". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`
}

const relative = new Intl.RelativeTimeFormat('en-US', { numeric: 'auto' })

/** "12 seconds ago", "3 hours ago", "in 2 minutes": how far from now, in the largest unit that fits. */
export function relativeTime(then: Date, now: Date): string {
  const seconds = Math.round((then.getTime() - now.getTime()) / 1000)
  const units: [Intl.RelativeTimeFormatUnit, number][] = [['day', 86_400], ['hour', 3_600], ['minute', 60]]
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) {
      return relative.format(Math.round(seconds / size), unit)
    }
  }
  return relative.format(seconds, 'second')
}

/** The absolute time shown on hover next to a relative one: "Nov 24, 2026, 10:00:00 AM". */
export const absoluteTime = (date: Date): string =>
  date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** "0.25 s", "42.0 s", "3 min 5 s", "2 h 4 min": a span of time, as precise as it is useful. */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) {
    return `${seconds.toFixed(2)} s`
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`
  }
  const whole = Math.round(seconds)
  if (whole < 3_600) {
    return `${Math.floor(whole / 60)} min ${whole % 60} s`
  }
  return `${Math.floor(whole / 3_600)} h ${Math.floor((whole % 3_600) / 60)} min`
}

/** How long something ran: until it finished, or so far; a dash before it starts. */
export function describeDuration(startedAt: Date | null, finishedAt: Date | null, now: Date): string {
  if (!startedAt) {
    return '–'
  }
  const seconds = Math.max(0, ((finishedAt ?? now).getTime() - startedAt.getTime()) / 1000)
  const text = formatSeconds(seconds)
  return finishedAt ? text : `${text} so far`
}

/** Parses an optional ISO 8601 timestamp from the Api. */
export const toOptionalDate = (value: string | null | undefined): Date | null => (value ? new Date(value) : null)

/**
 * An instant as the clock of `timeZone` shows it, with that zone's offset: "Sun, Dec 6, 2026,
 * 18:10:00 GMT+01:00". The instant as given when the browser does not know the zone.
 */
export function formatInZone(instant: string | Date, timeZone: string): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    }).format(date)
  } catch (error) {
    if (error instanceof RangeError) {
      return typeof instant === 'string' ? instant : instant.toISOString()
    }
    throw error
  }
}
