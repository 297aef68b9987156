import { MemoryRouter } from 'react-router'
import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { toJob } from '../services/jobs'
import { makeCounts, makeJobWire } from '../test/factories'
import { JobsTable } from './JobsTable'

const now = new Date('2026-11-24T10:00:30Z')

describe('JobsTable', () => {
  it('shows one row per job in the order given', () => {
    const jobs = [makeJobWire({ name: 'newest' }), makeJobWire({ name: 'older' })].map(toJob)

    render(<MemoryRouter><JobsTable jobs={jobs} now={now} /></MemoryRouter>)

    const rows = screen.getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    expect(within(rows[0]!).getByText('newest')).toBeInTheDocument()
    expect(within(rows[1]!).getByText('older')).toBeInTheDocument()
  })

  it('shows the name linking to the job, type, status in words, progress, created time and duration', () => {
    const job = toJob(
      makeJobWire({
        name: 'demo',
        type: 'sleep',
        status: 'running',
        taskCount: 200,
        counts: makeCounts({ enqueued: 50, running: 6, succeeded: 140, failed: 4 }),
        createdAt: '2026-11-24T10:00:00.000+00:00',
        startedAt: '2026-11-24T10:00:10.000+00:00',
      }),
    )

    render(<MemoryRouter><JobsTable jobs={[job]} now={now} /></MemoryRouter>)

    const row = screen.getAllByRole('row')[1]!
    expect(within(row).getByRole('link', { name: 'demo' })).toHaveAttribute('href', `/jobs/${job.id}`)
    expect(within(row).getByText('sleep')).toBeInTheDocument()
    expect(within(row).getByText('running')).toHaveClass('badge')
    expect(within(row).getByText('144 of 200 done')).toBeInTheDocument()
    expect(within(row).getByText('30 seconds ago')).toHaveAttribute('dateTime', '2026-11-24T10:00:00.000Z')
    expect(within(row).getByText('20.0 s so far')).toBeInTheDocument()
  })

  it('marks a priority other than normal by the name, and leaves normal ones unmarked', () => {
    const jobs = [makeJobWire({ name: 'urgent', priority: 'critical' }), makeJobWire({ name: 'routine' }), makeJobWire({ name: 'backfill', priority: 'low' })].map(toJob)

    render(<MemoryRouter><JobsTable jobs={jobs} now={now} /></MemoryRouter>)

    const [urgent, routine, backfill] = screen.getAllByRole('row').slice(1)
    expect(within(urgent!).getByText('critical priority')).toHaveClass('badge')
    expect(within(urgent!).getByRole('link', { name: 'urgent' })).toBeInTheDocument()
    expect(within(routine!).queryByText(/priority/)).not.toBeInTheDocument()
    expect(within(backfill!).getByText('low priority')).toHaveClass('badge')
  })
})
