import { render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it } from 'vitest'
import { toJob } from '../services/jobs'
import { makeCounts, makeJobWire } from '../test/factories'
import { formatRate, JobSummary } from './JobSummary'

const figure = (term: string) => screen.getByText(term, { selector: 'dt' }).nextElementSibling?.textContent

describe('JobSummary', () => {
  it('shows the counts, the pace and the time left of a running job', () => {
    const job = toJob(
      makeJobWire({
        status: 'running',
        taskCount: 1000,
        counts: makeCounts({ succeeded: 380, failed: 10, deadLettered: 10, running: 8, enqueued: 590, retrying: 2 }),
        startedAt: '2026-11-24T10:00:00Z',
      }),
    )

    render(<JobSummary job={job} now={new Date('2026-11-24T10:01:40Z')} />)

    expect(figure('Done')).toBe('400 of 1,000')
    expect(figure('Running')).toBe('8')
    expect(figure('Waiting')).toBe('592')
    expect(figure('Failed')).toBe('20')
    expect(figure('Throughput')).toBe('4.00 tasks/s')
    expect(figure('Time left')).toBe('about 2 min 30 s')
    expect(figure('Duration')).toBe('1 min 40 s so far')
    expect(screen.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '400')
  })

  it('gives a finished job its pace over its whole run and no time left', () => {
    const job = toJob(
      makeJobWire({
        status: 'completed',
        taskCount: 30,
        counts: makeCounts({ succeeded: 30 }),
        startedAt: '2026-11-24T10:00:00Z',
        finishedAt: '2026-11-24T10:00:03Z',
      }),
    )

    render(<JobSummary job={job} now={new Date('2026-11-24T11:00:00Z')} />)

    expect(figure('Throughput')).toBe('10.0 tasks/s')
    expect(figure('Time left')).toBe('–')
    expect(figure('Duration')).toBe('3.00 s')
  })

  it('shows the settings the job runs with', () => {
    const job = toJob(makeJobWire({ maxAttempts: 5, failureThreshold: 2, timeoutSeconds: 30, parameters: { ms: 20 } }))

    render(<JobSummary job={job} now={new Date()} />)

    expect(screen.getByText(/Up to 5 attempts per task/)).toHaveTextContent(
      'the job fails when 3 tasks fail for good · timeout 30 s · normal priority · parameters {"ms":20}',
    )
  })

  it('shows the priority the job runs at', () => {
    const job = toJob(makeJobWire({ priority: 'critical', timeoutSeconds: null, parameters: {} }))

    render(<JobSummary job={job} now={new Date()} />)

    expect(screen.getByText(/Up to 3 attempts per task/)).toHaveTextContent(/· no timeout · critical priority$/)
  })

  it('names the queue of a job that does not travel on the default one', () => {
    const job = toJob(makeJobWire({ queue: 'text', timeoutSeconds: null, parameters: {} }))

    render(<JobSummary job={job} now={new Date()} />)

    expect(screen.getByText(/Up to 3 attempts per task/)).toHaveTextContent(/· normal priority · queue text$/)
  })

  it('says when a job submitted to run later runs, and links the schedule that submitted it', () => {
    const job = toJob(makeJobWire({ status: 'scheduled', runAt: '2026-11-24T12:00:00Z', scheduleId: '0196a000-0000-7000-8000-00000000abcd' }))

    render(<JobSummary job={job} now={new Date()} />, { wrapper: MemoryRouter })

    expect(screen.getByText(/Runs at/).querySelector('time')).toHaveAttribute('dateTime', '2026-11-24T12:00:00.000Z')
    expect(screen.getByRole('link', { name: 'From schedule' })).toHaveAttribute('href', '/schedules/0196a000-0000-7000-8000-00000000abcd')
  })

  it('says nothing of when or where from for a job submitted to run at once', () => {
    render(<JobSummary job={toJob(makeJobWire())} now={new Date()} />)

    expect(screen.queryByText(/Runs at/)).not.toBeInTheDocument()
    expect(screen.queryByRole('link', { name: 'From schedule' })).not.toBeInTheDocument()
  })
})

describe('formatRate', () => {
  it('keeps about three significant digits', () => {
    expect(formatRate(4)).toBe('4.00 tasks/s')
    expect(formatRate(38.46)).toBe('38.5 tasks/s')
    expect(formatRate(1204.4)).toBe('1,204 tasks/s')
  })
})
