import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { PriorityBadge } from './PriorityBadge'

describe('PriorityBadge', () => {
  it.each([
    ['critical', 'badge--danger'],
    ['high', 'badge--warning'],
    ['low', 'badge--muted'],
  ])('shows %s priority in words, coloured', (priority, tone) => {
    render(<PriorityBadge priority={priority} />)

    expect(screen.getByText(`${priority} priority`)).toHaveClass('badge', tone)
  })

  it('shows nothing for normal priority', () => {
    const { container } = render(<PriorityBadge priority="normal" />)

    expect(container).toBeEmptyDOMElement()
  })

  it('shows a priority it does not know as neutral', () => {
    render(<PriorityBadge priority="urgent" />)

    expect(screen.getByText('urgent priority')).toHaveClass('badge--neutral')
  })
})
