/**
 * Calls `action(key)` at most once per `intervalMs` for each key, always with a trailing call, so
 * a burst of a thousand events becomes one call now and one at the end of the window, never zero.
 */
export function throttleByKey(action: (key: string) => void, intervalMs: number) {
  const last = new Map<string, number>()
  const pending = new Map<string, ReturnType<typeof setTimeout>>()
  return (key: string) => {
    const now = Date.now()
    const since = now - (last.get(key) ?? -Infinity)
    if (since >= intervalMs && !pending.has(key)) {
      last.set(key, now)
      action(key)
      return
    }
    if (!pending.has(key)) {
      pending.set(
        key,
        setTimeout(() => {
          pending.delete(key)
          last.set(key, Date.now())
          action(key)
        }, Math.max(0, intervalMs - since)),
      )
    }
  }
}
