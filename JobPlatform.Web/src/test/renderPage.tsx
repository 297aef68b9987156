import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { render } from '@testing-library/react'
import type { ReactNode } from 'react'
import { MemoryRouter, Route, Routes, useLocation } from 'react-router'
import { LiveStatusContext, type LiveStatus } from '../services/events'

let location = ''

/** Where the router is now: path and search, e.g. "/?status=running". */
export const currentLocation = () => location

function LocationSpy() {
  const { pathname, search } = useLocation()
  location = pathname + search
  return null
}

/**
 * Renders a page as the App would: with a fresh query cache, a router at `path`, and the live
 * status given ("polling" unless said). Other routes render their path, to see navigation.
 */
export function renderPage(
  element: ReactNode,
  { path = '/', route = '/', live = 'polling' }: { path?: string; route?: string; live?: LiveStatus } = {},
) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, gcTime: Infinity } } })
  const result = render(
    <QueryClientProvider client={queryClient}>
      <LiveStatusContext value={live}>
        <MemoryRouter initialEntries={[path]}>
          <LocationSpy />
          <Routes>
            <Route path={route} element={element} />
            <Route path="*" element={<p>page {'at'} <span data-testid="elsewhere">{'elsewhere'}</span></p>} />
          </Routes>
        </MemoryRouter>
      </LiveStatusContext>
    </QueryClientProvider>,
  )
  return { queryClient, ...result }
}
