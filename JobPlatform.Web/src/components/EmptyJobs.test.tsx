import { render, screen } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { describe, expect, it } from 'vitest'
import { EmptyJobs } from './EmptyJobs'

describe('EmptyJobs', () => {
  it('says there are no jobs and links to the form', () => {
    render(<MemoryRouter><EmptyJobs /></MemoryRouter>)

    expect(screen.getByRole('heading', { name: 'No jobs yet' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Submit one' })).toHaveAttribute('href', '/jobs/new')
  })

  it('shows the exact command that submits one', () => {
    render(<MemoryRouter><EmptyJobs /></MemoryRouter>)

    expect(
      screen.getByText(
        `curl -X POST http://localhost:5080/api/v1/jobs -H 'Content-Type: application/json' -H "Authorization: Bearer $(cat .jobplatform/dev-tenant.key)" -d '{"name":"demo","type":"sleep","taskCount":200,"parameters":{"ms":10}}'`,
      ),
    ).toBeInTheDocument()
  })
})
