import { render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it } from 'vitest'
import { toScheduleRun } from '../services/schedules'
import { makeScheduleRunWire } from '../test/factories'
import { lateness, ScheduleRunsTable } from './ScheduleRunsTable'

describe('ScheduleRunsTable', () => {
  it('shows each run: fire time on the zone clock, lateness, outcome, its job with status, reason, manual', () => {
    const submitted = toScheduleRun(
      makeScheduleRunWire({ fireTime: '2026-11-24T10:00:00Z', firedAt: '2026-11-24T10:00:00.25Z', jobId: 'j1', jobStatus: 'running' }),
    )
    const skipped = toScheduleRun(
      makeScheduleRunWire({ outcome: 'skipped', jobId: null, jobStatus: null, reason: 'The previous job is unfinished.', manual: true }),
    )

    render(<ScheduleRunsTable runs={[submitted, skipped]} timeZone="Europe/Berlin" />, { wrapper: MemoryRouter })

    const [first, second] = within(screen.getByTestId('schedule-runs')).getAllByRole('row').slice(1)
    const cells = (row: HTMLElement) => within(row).getAllByRole('cell').map((cell) => cell.textContent)
    expect(cells(first!)).toEqual(['Tue, Nov 24, 2026, 11:00:00 GMT+01:00', '0.25 s', 'submitted', 'Job running', '–', 'no'])
    expect(within(first!).getByRole('link', { name: 'Job' })).toHaveAttribute('href', '/jobs/j1')
    expect(cells(second!).slice(2)).toEqual(['skipped', '–', 'The previous job is unfinished.', 'yes'])
  })

  it('counts a run fired before its time, by clock skew, as on time', () => {
    expect(lateness({ fireTime: new Date('2026-11-24T10:00:01Z'), firedAt: new Date('2026-11-24T10:00:00Z') })).toBe('0.00 s')
  })
})
