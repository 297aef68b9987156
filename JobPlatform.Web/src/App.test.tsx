import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, fireEvent, render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from './App'
import { SignedInContext, type SignedIn } from './services/auth'
import { jsonResponse, makePage, routeFetch } from './test/factories'
import { FakeEventSource } from './test/fakeEventSource'
import { TEST_TOKEN } from './test/tokens'

function renderApp(path = '/', signedIn?: SignedIn) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <QueryClientProvider client={queryClient}>
      <SignedInContext value={signedIn}>
        <MemoryRouter initialEntries={[path]}>
          <App />
        </MemoryRouter>
      </SignedInContext>
    </QueryClientProvider>,
  )
}

/** The streams open now, by URL: the stream opens once its token is at hand. */
async function openStreams(): Promise<string[]> {
  await vi.waitFor(() => expect(FakeEventSource.instances.length).toBeGreaterThan(0))
  return FakeEventSource.instances.filter((s) => !s.closed).map((s) => s.url)
}

beforeEach(() => {
  FakeEventSource.reset()
  vi.stubGlobal('EventSource', FakeEventSource)
  vi.stubGlobal('fetch', vi.fn(async (path: RequestInfo | URL) => jsonResponse(String(path) === '/api/v1/task-types' ? [] : makePage([]))))
})
afterEach(() => vi.unstubAllGlobals())

describe('App', () => {
  it('offers the five pages in the top navigation', () => {
    renderApp()

    const nav = screen.getByRole('navigation', { name: 'Main' })
    expect(within(nav).getAllByRole('link').map((link) => [link.textContent, link.getAttribute('href')])).toEqual([
      ['Jobs', '/'],
      ['New job', '/jobs/new'],
      ['Schedules', '/schedules'],
      ['Failures', '/failures'],
      ['Workers', '/workers'],
    ])
    expect(within(nav).getByRole('link', { name: 'Jobs' })).toHaveAttribute('aria-current', 'page')
  })

  it('opens the schedules from the navigation', async () => {
    renderApp('/schedules')

    expect(await screen.findByRole('heading', { name: 'No schedules yet' })).toBeInTheDocument()
    expect(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Schedules' })).toHaveAttribute('aria-current', 'page')
  })

  it('says Polling until the event stream opens, then Live', async () => {
    renderApp()
    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Polling')
    await openStreams()

    act(() => FakeEventSource.latest().open())

    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Live')
  })

  it("follows every job's events on the jobs list, with the token in the URL", async () => {
    renderApp('/')
    expect(await openStreams()).toEqual([`/api/v1/events?access_token=${TEST_TOKEN}`])
  })

  it("follows one job's events on its page, with a single stream", async () => {
    renderApp('/jobs/0196a000-0000-7000-8000-000000000001')

    expect(await openStreams()).toEqual([`/api/v1/events?jobId=0196a000-0000-7000-8000-000000000001&access_token=${TEST_TOKEN}`])
  })

  it('does not take the New job page for a job', async () => {
    renderApp('/jobs/new')
    expect(await openStreams()).toEqual([`/api/v1/events?access_token=${TEST_TOKEN}`])
  })

  it("shows the signed-in tenant with its usage, and signs out", async () => {
    vi.stubGlobal('fetch', routeFetch([
      ['GET', '/api/v1/tenants/me', () => jsonResponse({
        id: 'acme', name: 'Acme', runningTasks: 12, queuedTasks: 340, unfinishedJobs: 2, unfinishedTasks: 352,
        limits: { rateLimitPerMinute: 600, rateLimitBurst: 100, maxRunningTasks: 50, maxEventStreams: 20, maxUnfinishedTasks: 1000000, jobRetentionDays: 30 },
      })],
      ['GET', '/api/v1/', () => jsonResponse(makePage([]))],
    ]))
    const signOut = vi.fn()
    renderApp('/', { tenantId: 'acme', keySource: 'pasted', signOut })

    const header = screen.getByRole('banner')
    expect(within(header).getByText('acme')).toBeInTheDocument()
    expect(await within(header).findByTestId('tenant-usage')).toHaveTextContent('12 / 50 running · 340 queued · 600 requests/min')
    fireEvent.click(within(header).getByRole('button', { name: 'Sign out' }))
    expect(signOut).toHaveBeenCalledOnce()
  })

  it('shows no tenant and asks for no usage when nobody is signed in', () => {
    renderApp('/')
    expect(screen.queryByRole('button', { name: 'Sign out' })).not.toBeInTheDocument()
    expect(vi.mocked(fetch).mock.calls.map(([path]) => String(path))).not.toContain('/api/v1/tenants/me')
  })

  it('says when there is no such page', () => {
    renderApp('/nowhere')
    expect(screen.getByRole('heading', { name: 'There is no such page' })).toBeInTheDocument()
  })
})
