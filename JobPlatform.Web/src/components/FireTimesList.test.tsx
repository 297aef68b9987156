import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { FireTimesList } from './FireTimesList'

describe('FireTimesList', () => {
  it("shows each fire time on the zone's clock, in order", () => {
    render(<FireTimesList fireTimes={['2026-12-06T18:10:00+01:00', '2026-12-07T18:10:00+01:00']} timeZone="Europe/Berlin" />)

    const items = within(screen.getByRole('list', { name: 'Next fire times' })).getAllByRole('listitem')
    expect(items.map((item) => item.textContent)).toEqual(['Sun, Dec 6, 2026, 18:10:00 GMT+01:00', 'Mon, Dec 7, 2026, 18:10:00 GMT+01:00'])
    expect(items[0]!.querySelector('time')).toHaveAttribute('dateTime', '2026-12-06T18:10:00+01:00')
  })
})
