import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { JobStatus } from '../services/jobs'
import { JobStatusBadge } from './JobStatusBadge'

describe('JobStatusBadge', () => {
  it.each<[JobStatus, string]>([
    ['scheduled', 'badge--scheduled'],
    ['pending', 'badge--neutral'],
    ['enqueued', 'badge--neutral'],
    ['running', 'badge--active'],
    ['completed', 'badge--success'],
    ['failed', 'badge--danger'],
    ['cancelled', 'badge--muted'],
  ])('shows %s with the %s tone', (status, toneClass) => {
    render(<JobStatusBadge status={status} />)

    const badge = screen.getByText(status)
    expect(badge).toHaveClass('badge', toneClass)
  })

  it('shows a status it does not know as neutral rather than failing', () => {
    render(<JobStatusBadge status={'paused' as JobStatus} />)

    expect(screen.getByText('paused')).toHaveClass('badge--neutral')
  })
})
