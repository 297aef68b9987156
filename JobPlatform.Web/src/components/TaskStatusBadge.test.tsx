import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { TaskStatus } from '../services/jobs'
import { TaskStatusBadge } from './TaskStatusBadge'

describe('TaskStatusBadge', () => {
  it.each<[TaskStatus, string]>([
    ['enqueued', 'badge--neutral'],
    ['running', 'badge--active'],
    ['retrying', 'badge--warning'],
    ['succeeded', 'badge--success'],
    ['dead_lettered', 'badge--danger'],
    ['cancelled', 'badge--muted'],
  ])('says %s in words, with the %s tone', (status, tone) => {
    render(<TaskStatusBadge status={status} />)

    expect(screen.getByText(status)).toHaveClass('badge', tone)
  })

  it('shows a status it does not know as neutral', () => {
    render(<TaskStatusBadge status={'paused' as TaskStatus} />)

    expect(screen.getByText('paused')).toHaveClass('badge--neutral')
  })
})
