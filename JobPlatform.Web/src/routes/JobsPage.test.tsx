import { act, fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { POLL_INTERVAL_MS } from '../services/events'
import { jsonResponse, makeCounts, makeJobWire, makePage } from '../test/factories'
import { currentLocation, renderPage } from '../test/renderPage'
import { JobsPage, NAME_FILTER_DELAY_MS } from './JobsPage'

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

const requested = (fetch: ReturnType<typeof stubFetch>) => fetch.mock.calls.map(([path]) => String(path))

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('JobsPage', () => {
  it('shows a loading state until the first answer arrives', async () => {
    let answer!: (response: Response) => void
    stubFetch(() => new Promise<Response>((resolve) => (answer = resolve)))

    renderPage(<JobsPage />)

    expect(screen.getByRole('status')).toHaveTextContent('Loading jobs')
    // The request leaves once the token is at hand.
    await vi.waitFor(() => expect(answer).toBeDefined())
    answer(jsonResponse(makePage([makeJobWire({ name: 'demo' })])))
    expect(await screen.findByText('demo')).toBeInTheDocument()
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
  })

  it('asks the Api for the first 50 jobs and lists them in its order', async () => {
    const fetch = stubFetch(() => jsonResponse(makePage([makeJobWire({ name: 'newest' }), makeJobWire({ name: 'older' })])))

    renderPage(<JobsPage />)

    await screen.findByText('newest')
    expect(requested(fetch)[0]).toBe('/api/v1/jobs?page=1&pageSize=50')
    const rows = screen.getAllByRole('row').slice(1)
    expect(within(rows[0]!).getByText('newest')).toBeInTheDocument()
    expect(within(rows[1]!).getByText('older')).toBeInTheDocument()
    expect(screen.getByText('2 jobs')).toBeInTheDocument()
  })

  it('says when it shows only the newest of more jobs, and pages through the rest', async () => {
    const fetch = stubFetch(() => jsonResponse(makePage([makeJobWire()], { totalCount: 1234, totalPages: 25 })))

    renderPage(<JobsPage />)

    expect(await screen.findByText('Newest 1 of 1,234 jobs')).toBeInTheDocument()
    fireEvent.click(screen.getByRole('button', { name: 'Next' }))
    expect(currentLocation()).toBe('/?page=2')
    await vi.waitFor(() => expect(requested(fetch)).toContain('/api/v1/jobs?page=2&pageSize=50'))
  })

  it('reads its filters and page from the URL', async () => {
    const fetch = stubFetch(() => jsonResponse(makePage([makeJobWire()], { page: 2, totalCount: 60, totalPages: 2 })))

    renderPage(<JobsPage />, { path: '/?status=running&name=night&page=2' })

    await screen.findByText('Jobs 51–51 of 60')
    expect(requested(fetch)[0]).toBe('/api/v1/jobs?page=2&pageSize=50&status=running&name=night')
    expect(screen.getByLabelText('Status')).toHaveValue('running')
    expect(screen.getByLabelText('Name')).toHaveValue('night')
  })

  it('filters by status at once, back on the first page', async () => {
    const fetch = stubFetch(() => jsonResponse(makePage([makeJobWire()])))
    renderPage(<JobsPage />, { path: '/?page=3' })
    await screen.findAllByRole('row')

    fireEvent.change(screen.getByLabelText('Status'), { target: { value: 'failed' } })

    expect(currentLocation()).toBe('/?status=failed')
    await vi.waitFor(() => expect(requested(fetch)).toContain('/api/v1/jobs?page=1&pageSize=50&status=failed'))
  })

  it('filters by name once typing pauses', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const fetch = stubFetch(() => jsonResponse(makePage([makeJobWire()])))
    renderPage(<JobsPage />)
    await screen.findAllByRole('row')

    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'n' } })
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'ni' } })
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'nightly' } })
    expect(currentLocation()).toBe('/')

    await act(() => vi.advanceTimersByTimeAsync(NAME_FILTER_DELAY_MS))

    expect(currentLocation()).toBe('/?name=nightly')
    await vi.waitFor(() => expect(requested(fetch)).toContain('/api/v1/jobs?page=1&pageSize=50&name=nightly'))
    expect(requested(fetch).filter((path) => path.includes('name='))).toEqual(['/api/v1/jobs?page=1&pageSize=50&name=nightly'])
  })

  it('shows how to submit a job when there are none', async () => {
    stubFetch(() => jsonResponse(makePage([])))

    renderPage(<JobsPage />)

    expect(await screen.findByRole('heading', { name: 'No jobs yet' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Submit one' })).toHaveAttribute('href', '/jobs/new')
  })

  it('says when nothing matches the filters, and clears them', async () => {
    stubFetch(() => jsonResponse(makePage([])))
    renderPage(<JobsPage />, { path: '/?status=failed' })

    fireEvent.click(await screen.findByRole('button', { name: 'Clear the filters' }))

    expect(currentLocation()).toBe('/')
  })

  it('says the Api could not be reached when the proxy cannot connect to it', async () => {
    stubFetch(() => new Response('', { status: 502, headers: { 'Content-Type': 'text/plain' } }))

    renderPage(<JobsPage />)

    const alert = await screen.findByRole('alert')
    expect(alert).toHaveTextContent('Could not reach the Api')
    expect(alert).toHaveTextContent('AppHost is running')
    expect(screen.queryByRole('status')).not.toBeInTheDocument()
  })

  it('refreshes the list in place every 2 seconds while the event stream is down', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const job = { id: '0196a000-0000-7000-8000-00000000beef', name: 'demo', taskCount: 10 }
    const fetch = stubFetch(
      () => jsonResponse(makePage([makeJobWire({ ...job, counts: makeCounts({ enqueued: 10 }) })])),
      () => jsonResponse(makePage([makeJobWire({ ...job, counts: makeCounts({ succeeded: 7, enqueued: 3 }) })])),
    )

    renderPage(<JobsPage />)
    expect(await screen.findByText('0 of 10 done')).toBeInTheDocument()

    await act(() => vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS))

    expect(await screen.findByText('7 of 10 done')).toBeInTheDocument()
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('does not poll while events arrive', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    const fetch = stubFetch(() => jsonResponse(makePage([makeJobWire({ name: 'demo' })])))

    renderPage(<JobsPage />, { live: 'live' })
    await screen.findByText('demo')
    await act(() => vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3))

    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('recovers on its own once the Api answers again', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    stubFetch(
      () => Promise.reject(new TypeError('Failed to fetch')),
      () => jsonResponse(makePage([makeJobWire({ name: 'back' })])),
    )

    renderPage(<JobsPage />)
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the Api')

    await act(() => vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS))

    expect(await screen.findByText('back')).toBeInTheDocument()
    expect(screen.queryByRole('alert')).not.toBeInTheDocument()
  })
})
