/** A function throttled per key; `cancel` drops every trailing call still waiting. */
export interface KeyedThrottle {
  (key: string): void
  cancel(): void
}

/**
 * Calls `action(key)` at most once per `intervalMs` for each key, leading and trailing: the first
 * call of a quiet key runs at once, and calls during the window collapse into one that runs when
 * it ends. A burst of a thousand events therefore becomes two calls, never zero, and the last
 * event of a burst is always followed by a call that sees it.
 */
export function throttleByKey(action: (key: string) => void, intervalMs: number): KeyedThrottle {
  const last = new Map<string, number>()
  const pending = new Map<string, ReturnType<typeof setTimeout>>()

  const run = (key: string) => {
    last.set(key, Date.now())
    action(key)
  }

  const throttled = (key: string) => {
    if (pending.has(key)) {
      return
    }
    const since = Date.now() - (last.get(key) ?? -Infinity)
    if (since >= intervalMs) {
      run(key)
      return
    }
    pending.set(
      key,
      setTimeout(() => {
        pending.delete(key)
        run(key)
      }, intervalMs - since),
    )
  }

  throttled.cancel = () => {
    for (const timer of pending.values()) {
      clearTimeout(timer)
    }
    pending.clear()
  }
  return throttled
}
