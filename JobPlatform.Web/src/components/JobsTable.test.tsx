import { MemoryRouter } from 'react-router'
import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { toJob } from '../services/jobs'
import { makeCounts, makeJobWire } from '../test/factories'
import { describeDuration, JobsTable, relativeTime } from './JobsTable'

describe('JobsTable', () => {
  it('shows one row per job in the order given', () => {
    const jobs = [makeJobWire({ name: 'newest' }), makeJobWire({ name: 'older' })].map(toJob)

    render(<MemoryRouter><JobsTable jobs={jobs} /></MemoryRouter>)

    const rows = screen.getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    expect(within(rows[0]!).getByText('newest')).toBeInTheDocument()
    expect(within(rows[1]!).getByText('older')).toBeInTheDocument()
  })

  it('shows the name, type, status, task progress and created time of a job', () => {
    const job = toJob(
      makeJobWire({
        name: 'demo',
        type: 'sleep',
        status: 'running',
        taskCount: 200,
        counts: makeCounts({ enqueued: 50, running: 6, succeeded: 140, failed: 4 }),
        createdAt: '2026-11-24T10:00:00.000+00:00',
      }),
    )

    render(<MemoryRouter><JobsTable jobs={[job]} /></MemoryRouter>)

    const row = screen.getAllByRole('row')[1]!
    expect(within(row).getByText('demo')).toBeInTheDocument()
    expect(within(row).getByText('sleep')).toBeInTheDocument()
    expect(within(row).getByText('running')).toHaveClass('badge')
    expect(within(row).getByText('144 of 200 done')).toBeInTheDocument()
    expect(row.querySelector('time')).toHaveAttribute('dateTime', '2026-11-24T10:00:00.000Z')
  })
})

describe('relativeTime and describeDuration', () => {
  const now = new Date('2026-11-24T10:00:00Z')

  it('says how long ago in the largest unit that fits', () => {
    expect(relativeTime(new Date('2026-11-24T09:59:48Z'), now)).toBe('12 seconds ago')
    expect(relativeTime(new Date('2026-11-24T07:00:00Z'), now)).toBe('3 hours ago')
  })

  it('gives a finished job its run time and a running one its time so far', () => {
    expect(describeDuration(null, null, now)).toBe('–')
    expect(describeDuration(new Date('2026-11-24T09:59:57.5Z'), new Date('2026-11-24T10:00:00Z'), now)).toBe('2.5 s')
    expect(describeDuration(new Date('2026-11-24T09:58:00Z'), null, now)).toBe('2 min 0 s so far')
  })
})
