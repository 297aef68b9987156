import { fireEvent, render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it, vi } from 'vitest'
import { toSchedule } from '../services/schedules'
import { makeScheduleWire } from '../test/factories'
import { SchedulesTable, type SchedulesTableProps } from './SchedulesTable'

const active = toSchedule(makeScheduleWire({ name: 'hourly', cron: '0 * * * *', timeZone: 'Europe/Berlin', nextFireAt: '2026-11-24T11:00:00Z', lastFireAt: null }))
const paused = toSchedule(makeScheduleWire({ name: 'nightly', paused: true, nextFireAt: null }))

function renderTable(props: Partial<SchedulesTableProps> = {}) {
  const onTogglePaused = vi.fn()
  const onTrigger = vi.fn()
  render(
    <SchedulesTable
      schedules={[active, paused]}
      now={new Date('2026-11-24T10:59:00Z')}
      onTogglePaused={onTogglePaused}
      onTrigger={onTrigger}
      busy={new Set()}
      {...props}
    />,
    { wrapper: MemoryRouter },
  )
  return { onTogglePaused, onTrigger }
}

const row = (name: string) => screen.getByRole('row', { name: new RegExp(name) })

describe('SchedulesTable', () => {
  it('shows each schedule: link, expression and zone, fire times on its clock, state', () => {
    renderTable()

    const hourly = row('hourly')
    expect(within(hourly).getByRole('link', { name: 'hourly' })).toHaveAttribute('href', `/schedules/${active.id}`)
    expect(hourly).toHaveTextContent('0 * * * *')
    expect(hourly).toHaveTextContent('Europe/Berlin')
    expect(hourly).toHaveTextContent('Tue, Nov 24, 2026, 12:00:00 GMT+01:00')
    expect(hourly).toHaveTextContent('in 1 minute')
    expect(hourly).toHaveTextContent('active')
    expect(row('nightly')).toHaveTextContent('paused')
  })

  it('pauses an active schedule, resumes a paused one, and triggers either', () => {
    const { onTogglePaused, onTrigger } = renderTable()

    fireEvent.click(screen.getByRole('button', { name: 'Pause hourly' }))
    fireEvent.click(screen.getByRole('button', { name: 'Resume nightly' }))
    fireEvent.click(screen.getByRole('button', { name: 'Trigger nightly now' }))

    expect(onTogglePaused.mock.calls.map(([s]) => s.name)).toEqual(['hourly', 'nightly'])
    expect(onTrigger).toHaveBeenCalledWith(paused)
  })

  it('holds the buttons of a schedule with a command under way', () => {
    renderTable({ busy: new Set([active.id]) })

    expect(screen.getByRole('button', { name: 'Pause hourly' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Trigger nightly now' })).toBeEnabled()
  })
})
