import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { ApiErrorNotice } from './ApiErrorNotice'

describe('ApiErrorNotice', () => {
  it('tells the user to check the AppHost when the Api could not be reached', () => {
    render(<ApiErrorNotice unreachable />)

    const alert = screen.getByRole('alert')
    expect(alert).toHaveTextContent('Could not reach the Api')
    expect(alert).toHaveTextContent('The Api at /api is not answering. Check that the AppHost is running')
    expect(alert).toHaveTextContent('recovers on its own')
  })

  it('shows the problem the Api answered with', () => {
    render(<ApiErrorNotice unreachable={false} title="One or more validation errors occurred." detail="pageSize: too big" />)

    const alert = screen.getByRole('alert')
    expect(alert).toHaveTextContent('One or more validation errors occurred.')
    expect(alert).toHaveTextContent('pageSize: too big')
    expect(alert).not.toHaveTextContent('AppHost')
  })

  it('says the data shown is stale when older data is still on screen', () => {
    render(<ApiErrorNotice unreachable stale />)

    expect(screen.getByRole('alert')).toHaveTextContent('from the last successful refresh')
  })

  it('promises no recovery for a page that does not ask again, and offers a way on', () => {
    render(
      <ApiErrorNotice unreachable={false} title="Job not found." retrying={false}>
        <a href="/">Back to the jobs</a>
      </ApiErrorNotice>,
    )

    expect(screen.getByRole('alert')).not.toHaveTextContent('every 2 seconds')
    expect(screen.getByRole('link', { name: 'Back to the jobs' })).toBeInTheDocument()
  })

  it('says when to try again when the tenant is rate limited, rather than a generic error', () => {
    render(<ApiErrorNotice unreachable={false} title="Too many requests." detail="Tenant 'dev' is over its rate limit." retryAfter={7} />)

    const alert = screen.getByRole('alert')
    expect(screen.getByRole('heading', { name: 'Rate limited, retry in 7 s' })).toBeInTheDocument()
    expect(alert).toHaveTextContent("Tenant 'dev' is over its rate limit.")
    expect(alert).not.toHaveTextContent('Too many requests.')
  })
})
