import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, render, screen, within } from '@testing-library/react'
import { MemoryRouter } from 'react-router'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { App } from './App'
import { jsonResponse, makePage } from './test/factories'
import { FakeEventSource } from './test/fakeEventSource'

function renderApp(path = '/') {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <QueryClientProvider client={queryClient}>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </QueryClientProvider>,
  )
}

beforeEach(() => {
  FakeEventSource.reset()
  vi.stubGlobal('EventSource', FakeEventSource)
  vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(makePage([]))))
})
afterEach(() => vi.unstubAllGlobals())

describe('App', () => {
  it('offers the four pages in the top navigation', () => {
    renderApp()

    const nav = screen.getByRole('navigation', { name: 'Main' })
    expect(within(nav).getAllByRole('link').map((link) => [link.textContent, link.getAttribute('href')])).toEqual([
      ['Jobs', '/'],
      ['New job', '/jobs/new'],
      ['Failures', '/failures'],
      ['Workers', '/workers'],
    ])
    expect(within(nav).getByRole('link', { name: 'Jobs' })).toHaveAttribute('aria-current', 'page')
  })

  it('says Polling until the event stream opens, then Live', () => {
    renderApp()
    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Polling')

    act(() => FakeEventSource.latest().open())

    expect(screen.getByTestId('live-indicator')).toHaveTextContent('Live')
  })

  it("follows every job's events on the jobs list", () => {
    renderApp('/')
    expect(FakeEventSource.latest().url).toBe('/api/v1/events')
  })

  it("follows one job's events on its page, with a single stream", () => {
    renderApp('/jobs/0196a000-0000-7000-8000-000000000001')

    expect(FakeEventSource.instances.filter((s) => !s.closed).map((s) => s.url)).toEqual([
      '/api/v1/events?jobId=0196a000-0000-7000-8000-000000000001',
    ])
  })

  it('does not take the New job page for a job', () => {
    renderApp('/jobs/new')
    expect(FakeEventSource.latest().url).toBe('/api/v1/events')
  })

  it('says when there is no such page', () => {
    renderApp('/nowhere')
    expect(screen.getByRole('heading', { name: 'There is no such page' })).toBeInTheDocument()
  })
})
