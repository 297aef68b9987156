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

    vi.advanceTimersByTime(1000)
    expect(calls).toEqual(['job-1', 'job-1'])

    vi.advanceTimersByTime(5000)
    expect(calls).toHaveLength(2)
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
})
