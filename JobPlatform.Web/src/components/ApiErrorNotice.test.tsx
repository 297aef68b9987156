import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { ApiErrorNotice } from './ApiErrorNotice'

describe('ApiErrorNotice', () => {
  it('tells the user to check the AppHost when the Api could not be reached', () => {
    render(<ApiErrorNotice unreachable />)

    const alert = screen.getByRole('alert')
    expect(alert).toHaveTextContent('Could not reach the Api')
    expect(alert).toHaveTextContent('Check that the AppHost is running')
  })

  it('shows the problem the Api answered with', () => {
    render(<ApiErrorNotice unreachable={false} title="One or more validation errors occurred." detail="pageSize: too big" />)

    const alert = screen.getByRole('alert')
    expect(alert).toHaveTextContent('One or more validation errors occurred.')
    expect(alert).toHaveTextContent('pageSize: too big')
    expect(alert).not.toHaveTextContent('AppHost')
  })

  it('says the list shown is stale when older data is still on screen', () => {
    render(<ApiErrorNotice unreachable stale />)

    expect(screen.getByRole('alert')).toHaveTextContent('from the last successful refresh')
  })
})
