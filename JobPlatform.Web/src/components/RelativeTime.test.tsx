import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { absoluteTime } from '../services/format'
import { RelativeTime } from './RelativeTime'

describe('RelativeTime', () => {
  const now = new Date('2026-11-24T10:00:00Z')

  it('says how long ago, with the exact time in its title and dateTime', () => {
    const date = new Date('2026-11-24T09:58:00Z')
    render(<RelativeTime date={date} now={now} />)

    const time = screen.getByText('2 minutes ago')
    expect(time.tagName).toBe('TIME')
    expect(time).toHaveAttribute('dateTime', '2026-11-24T09:58:00.000Z')
    expect(time).toHaveAttribute('title', absoluteTime(date))
  })

  it('shows a dash, or the text given, without a date', () => {
    const { rerender } = render(<RelativeTime date={null} now={now} />)
    expect(screen.getByText('–')).toBeInTheDocument()

    rerender(<RelativeTime date={null} now={now} empty="never" />)
    expect(screen.getByText('never')).toBeInTheDocument()
  })
})
