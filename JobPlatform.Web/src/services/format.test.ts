import { describe, expect, it } from 'vitest'
import { describeDuration, formatCount, formatInZone, formatSeconds, plural, relativeTime, toOptionalDate } from './format'

describe('formatCount and plural', () => {
  it('groups thousands and picks the singular only for one', () => {
    expect(formatCount(1234567)).toBe('1,234,567')
    expect(plural(1, 'attempt')).toBe('1 attempt')
    expect(plural(1000, 'attempt')).toBe('1,000 attempts')
    expect(plural(0, 'worker')).toBe('0 workers')
  })
})

describe('relativeTime', () => {
  const now = new Date('2026-11-24T10:00:00Z')

  it('says how long ago in the largest unit that fits', () => {
    expect(relativeTime(new Date('2026-11-24T09:59:48Z'), now)).toBe('12 seconds ago')
    expect(relativeTime(new Date('2026-11-24T09:55:00Z'), now)).toBe('5 minutes ago')
    expect(relativeTime(new Date('2026-11-24T07:00:00Z'), now)).toBe('3 hours ago')
    expect(relativeTime(new Date('2026-11-21T10:00:00Z'), now)).toBe('3 days ago')
  })

  it('says "now" for the current second', () => {
    expect(relativeTime(now, now)).toBe('now')
  })
})

describe('formatSeconds', () => {
  it('is precise for short spans and coarse for long ones', () => {
    expect(formatSeconds(0.254)).toBe('0.25 s')
    expect(formatSeconds(42)).toBe('42.0 s')
    expect(formatSeconds(185)).toBe('3 min 5 s')
    expect(formatSeconds(7_440)).toBe('2 h 4 min')
  })
})

describe('describeDuration', () => {
  const now = new Date('2026-11-24T10:00:00Z')

  it('gives a finished run its length, a running one its time so far, and one not started a dash', () => {
    expect(describeDuration(null, null, now)).toBe('–')
    expect(describeDuration(new Date('2026-11-24T09:59:57.5Z'), new Date('2026-11-24T10:00:00Z'), now)).toBe('2.50 s')
    expect(describeDuration(new Date('2026-11-24T09:58:00Z'), null, now)).toBe('2 min 0 s so far')
  })
})

describe('toOptionalDate', () => {
  it('keeps null and parses offsets', () => {
    expect(toOptionalDate(null)).toBeNull()
    expect(toOptionalDate('2026-11-24T10:00:00+01:00')?.toISOString()).toBe('2026-11-24T09:00:00.000Z')
  })
})

describe('formatInZone', () => {
  it("shows an instant on the zone's clock with its offset", () => {
    expect(formatInZone('2026-12-06T17:10:00Z', 'Europe/Berlin')).toBe('Sun, Dec 6, 2026, 18:10:00 GMT+01:00')
    expect(formatInZone('2026-07-06T10:00:00-04:00', 'America/New_York')).toBe('Mon, Jul 6, 2026, 10:00:00 GMT-04:00')
    expect(formatInZone(new Date('2026-12-06T17:10:00Z'), 'UTC')).toMatch(/^Sun, Dec 6, 2026, 17:10:00 GMT(\+00:00)?$/)
  })

  it('gives the instant as it came when the zone is unknown', () => {
    expect(formatInZone('2026-12-06T17:10:00Z', 'Mars/Olympus')).toBe('2026-12-06T17:10:00Z')
  })
})
