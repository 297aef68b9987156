import { screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, makeWorkerWire, routeFetch } from '../test/factories'
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
})
