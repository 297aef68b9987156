import { screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, makeWorkerWire, problemResponse, routeFetch } from '../test/factories'
import { renderPage } from '../test/renderPage'
import { WorkersPage } from './WorkersPage'

afterEach(() => vi.unstubAllGlobals())

const open = () => renderPage(<WorkersPage />, { path: '/workers', route: '/workers' })

describe('WorkersPage', () => {
  it('lists the workers and sums up the active ones', async () => {
    vi.stubGlobal('fetch', routeFetch([['GET', '/api/v1/workers', () => jsonResponse([
      makeWorkerWire({ id: 'worker-1', slots: 4, tasksPerSecond: 2.5 }),
      makeWorkerWire({ id: 'worker-2', slots: 4, tasksPerSecond: 1.5 }),
      makeWorkerWire({ id: 'worker-3', status: 'gone', slots: 4 }),
    ])]]))
    open()

    expect(await screen.findByText('worker-3')).toBeInTheDocument()
    expect(screen.getByText('2 active workers, 8 slots, 4.0 tasks/s')).toBeInTheDocument()
    expect(screen.getAllByText('active')).toHaveLength(2)
    expect(screen.getByText('gone')).toBeInTheDocument()
  })

  it('says how to start workers when there are none', async () => {
    vi.stubGlobal('fetch', routeFetch([['GET', '/api/v1/workers', () => jsonResponse([])]]))
    open()

    expect(await screen.findByText(/No worker has reported lately/)).toBeInTheDocument()
  })

  it('says the Api could not be reached', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    open()

    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the Api')
  })

  it('says when to try again when the tenant is over its rate limit', async () => {
    vi.stubGlobal('fetch', routeFetch([['GET', '/api/v1/workers', () => {
      const response = problemResponse({ status: 429, title: 'Too many requests.', detail: "Tenant 'dev' is over its rate limit of 60 requests a minute. Retry after 3 s." })
      response.headers.set('Retry-After', '3')
      return response
    }]]))
    open()

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Rate limited, retry in 3 s')
    expect(alert).toHaveTextContent('over its rate limit of 60 requests a minute')
  })
})
