import { MemoryRouter } from 'react-router'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, makeCounts, makeJobWire, makePage } from '../test/factories'
import { JOBS_REFRESH_INTERVAL_MS, JobsPage } from './JobsPage'

function renderPage() {
  const client = new QueryClient({ defaultOptions: { queries: { gcTime: Infinity } } })
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter><JobsPage /></MemoryRouter>
    </QueryClientProvider>,
  )
  return client
}

/** Answers each call to fetch with the next response in turn, repeating the last one. */
function stubFetch(...responses: (() => Response | Promise<Response>)[]) {
  let call = 0
  const fetch = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => {
    const next = responses[Math.min(call, responses.length - 1)]!
    call++
    return next()
  })
  vi.stubGlobal('fetch', fetch)
  return fetch
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('JobsPage', () => {
  it('shows a loading state until the first answer arrives', async () => {
    let answer!: (response: Response) => void
    stubFetch(() => new Promise<Response>((resolve) => (answer = resolve)))

    renderPage()

    expect(screen.getByRole('status')).toHaveTextContent('Loading jobs')
    answer(jsonResponse(makePage([makeJobWire({ name: 'demo' })])))
    expect(await screen.findByText('demo')).toBeInTheDocument()
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
  })

  it('asks the Api for the first 50 jobs and lists them in its order', async () => {
    const fetch = stubFetch(() => jsonResponse(makePage([makeJobWire({ name: 'newest' }), makeJobWire({ name: 'older' })])))

    renderPage()

    await screen.findByText('newest')
    expect(fetch.mock.calls[0]![0]).toBe('/api/v1/jobs?page=1&pageSize=50')
    const rows = screen.getAllByRole('row').slice(1)
    expect(within(rows[0]!).getByText('newest')).toBeInTheDocument()
    expect(within(rows[1]!).getByText('older')).toBeInTheDocument()
    expect(screen.getByText('2 jobs')).toBeInTheDocument()
  })

  it('says when it shows only the newest of more jobs', async () => {
    stubFetch(() => jsonResponse(makePage([makeJobWire()], { totalCount: 1234, totalPages: 25 })))

    renderPage()

    expect(await screen.findByText('Newest 1 of 1,234 jobs')).toBeInTheDocument()
  })

  it('shows how to submit a job when there are none', async () => {
    stubFetch(() => jsonResponse(makePage([])))

    renderPage()

    expect(await screen.findByRole('heading', { name: 'No jobs yet' })).toBeInTheDocument()
    expect(screen.getByText(/curl -X POST http:\/\/localhost:5080\/api\/v1\/jobs/)).toBeInTheDocument()
  })

  it('says the Api could not be reached when the proxy cannot connect to it', async () => {
    stubFetch(() => new Response('', { status: 502, headers: { 'Content-Type': 'text/plain' } }))

    renderPage()

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Could not reach the Api')
    expect(alert).toHaveTextContent('AppHost is running')
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
  })

  it('refreshes the list in place every 2 seconds', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const job = { id: '0196a000-0000-7000-8000-00000000beef', name: 'demo', taskCount: 10 }
    const fetch = stubFetch(
      () => jsonResponse(makePage([makeJobWire({ ...job, counts: makeCounts({ enqueued: 10 }) })])),
      () => jsonResponse(makePage([makeJobWire({ ...job, counts: makeCounts({ succeeded: 7, enqueued: 3 }) })])),
    )

    renderPage()
    expect(await screen.findByText('0 of 10 done')).toBeInTheDocument()

    await vi.advanceTimersByTimeAsync(JOBS_REFRESH_INTERVAL_MS)

    expect(await screen.findByText('7 of 10 done')).toBeInTheDocument()
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('recovers on its own once the Api answers again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    stubFetch(
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => jsonResponse(makePage([makeJobWire({ name: 'back' })])),
    )

    renderPage()
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the Api')

    await vi.advanceTimersByTimeAsync(JOBS_REFRESH_INTERVAL_MS)

    expect(await screen.findByText('back')).toBeInTheDocument()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
