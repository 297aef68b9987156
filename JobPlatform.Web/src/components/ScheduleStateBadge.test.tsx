import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { ScheduleStateBadge } from './ScheduleStateBadge'

describe('ScheduleStateBadge', () => {
  it('shows an active schedule as active and a paused one muted', () => {
    render(
      <>
        <ScheduleStateBadge paused={false} />
        <ScheduleStateBadge paused />
      </>,
    )

    expect(screen.getByText('active')).toHaveClass('badge', 'badge--active')
    expect(screen.getByText('paused')).toHaveClass('badge', 'badge--muted')
  })
})
