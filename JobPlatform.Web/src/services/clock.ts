import { useEffect, useState } from 'react'

/** How often relative times, durations and estimates move on by themselves. Defaults to 1 s. */
export const CLOCK_TICK_MS = 1_000

/**
 * The current time, renewed every `intervalMs`: "12 seconds ago" and "time left" keep moving
 * between updates from the Api, without the Api being asked again.
 */
export function useNow(intervalMs = CLOCK_TICK_MS): Date {
  const [now, setNow] = useState(() => new Date())
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}
