import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { throttleByKey } from './throttle'

describe('throttleByKey', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('turns a burst into one call at once and one trailing call', () => {
    const calls: string[] = []
    const throttled = throttleByKey((key) => calls.push(key), 1000)

    for (let i = 0; i < 1000; i++) {
      throttled('job-1')
    }
    expect(calls).toEqual(['job-1'])

    vi.advanceTimersByTime(999)
    expect(calls).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(calls).toEqual(['job-1', 'job-1'])

    vi.advanceTimersByTime(5000)
    expect(calls).toHaveLength(2)
  })

  it('calls at most once a second under a steady stream of events, and once more after the last', () => {
    const calls: number[] = []
    const throttled = throttleByKey(() => calls.push(Date.now()), 1000)
    const start = Date.now()

    // An event every 10 ms for 10 s: a job of fast tasks.
    for (let t = 0; t < 10_000; t += 10) {
      throttled('job-1')
      vi.advanceTimersByTime(10)
    }
    vi.advanceTimersByTime(1000)

    expect(calls.length).toBeGreaterThanOrEqual(10)
    expect(calls.length).toBeLessThanOrEqual(11)
    for (let i = 1; i < calls.length; i++) {
      expect(calls[i]! - calls[i - 1]!).toBeGreaterThanOrEqual(1000)
    }
    // The trailing call comes after the last event.
    expect(calls.at(-1)!).toBeGreaterThanOrEqual(start + 9_990)
  })

  it('calls at once again for an event after a quiet window', () => {
    const calls: string[] = []
    const throttled = throttleByKey((key) => calls.push(key), 1000)

    throttled('a')
    vi.advanceTimersByTime(1500)
    throttled('a')

    expect(calls).toEqual(['a', 'a'])
  })

  it('throttles each key on its own', () => {
    const calls: string[] = []
    const throttled = throttleByKey((key) => calls.push(key), 1000)

    throttled('a')
    throttled('b')
    throttled('a')

    expect(calls).toEqual(['a', 'b'])
    vi.advanceTimersByTime(1000)
    expect(calls).toEqual(['a', 'b', 'a'])
  })

  it('drops the waiting trailing calls when cancelled', () => {
    const calls: string[] = []
    const throttled = throttleByKey((key) => calls.push(key), 1000)

    throttled('a')
    throttled('a')
    throttled.cancel()
    vi.advanceTimersByTime(5000)

    expect(calls).toEqual(['a'])
  })
})
