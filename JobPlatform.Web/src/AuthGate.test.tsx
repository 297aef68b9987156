import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { act, fireEvent, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AuthGate } from './AuthGate'
import { ApiError, type TokenWire } from './services/api'
import { AuthSession, useSignedIn } from './services/auth'
import { makeTokenWire, TEST_KEY } from './test/tokens'

const DEV_KEY = `jp_${'d'.repeat(43)}`

function Console() {
  const signedIn = useSignedIn()
  return (
    <>
      <p>console of {signedIn?.tenantId}</p>
      <button type="button" onClick={signedIn?.signOut}>
        Sign out
      </button>
    </>
  )
}

function renderGate(session: AuthSession) {
  const queryClient = new QueryClient()
  queryClient.setQueryData(['jobs'], 'cached')
  render(
    <QueryClientProvider client={queryClient}>
      <AuthGate session={session}>
        <Console />
      </AuthGate>
    </QueryClientProvider>,
  )
  return queryClient
}

afterEach(() => vi.useRealTimers())

describe('AuthGate', () => {
  it('signs in with the development key by itself, saying "Signing in…" and never showing the form', async () => {
    let answer!: (wire: TokenWire) => void
    const exchange = vi.fn(() => new Promise<TokenWire>((resolve) => (answer = resolve)))
    renderGate(new AuthSession({ devKey: DEV_KEY, exchange }))

    expect(screen.getByRole('status')).toHaveTextContent('Signing in…')
    expect(screen.queryByLabelText('API key')).not.toBeInTheDocument()
    expect(exchange).toHaveBeenCalledWith(DEV_KEY)

    await act(async () => answer(makeTokenWire({ tenantId: 'dev' })))

    expect(screen.getByText('console of dev')).toBeInTheDocument()
    expect(screen.queryByLabelText('API key')).not.toBeInTheDocument()
  })

  it('shows the sign-in screen when there is no key, and the console once a pasted key is accepted', async () => {
    const exchange = vi.fn(async () => makeTokenWire({ tenantId: 'acme' }))
    renderGate(new AuthSession({ exchange }))

    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeInTheDocument()
    fireEvent.change(screen.getByLabelText('API key'), { target: { value: TEST_KEY } })
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

    expect(await screen.findByText('console of acme')).toBeInTheDocument()
    expect(exchange).toHaveBeenCalledWith(TEST_KEY)
  })

  it("shows the Api's problem when it refuses the key", async () => {
    const exchange = vi.fn(async () => Promise.reject(new ApiError({ status: 401, title: 'Unauthorized', detail: 'The API key is not valid.' })))
    renderGate(new AuthSession({ devKey: DEV_KEY, exchange }))

    expect(await screen.findByRole('alert')).toHaveTextContent('The API key is not valid.')
    expect(screen.getByLabelText('API key')).toBeInTheDocument()
    expect(screen.getByRole('button', { name: 'Use the development key' })).toBeInTheDocument()
  })

  it('asks again every 2 s while the Api cannot be reached', async () => {
    vi.useFakeTimers()
    const exchange = vi.fn<(key: string) => Promise<TokenWire>>()
      .mockRejectedValueOnce(new ApiError({ title: 'The Api could not be reached.', unreachable: true }))
      .mockResolvedValue(makeTokenWire())
    renderGate(new AuthSession({ devKey: DEV_KEY, exchange }))

    await act(() => vi.advanceTimersByTimeAsync(0))
    expect(screen.getByRole('status')).toHaveTextContent('Signing in…')
    expect(screen.getByRole('alert')).toHaveTextContent('Could not reach the Api')

    await act(() => vi.advanceTimersByTimeAsync(2000))

    expect(exchange).toHaveBeenCalledTimes(2)
    expect(screen.getByText('console of dev')).toBeInTheDocument()
  })

  it('forgets the cached data on sign-out and shows the sign-in screen', async () => {
    const session = new AuthSession({ devKey: DEV_KEY, exchange: async () => makeTokenWire() })
    const queryClient = renderGate(session)
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }))

    expect(screen.getByLabelText('API key')).toBeInTheDocument()
    expect(queryClient.getQueryData(['jobs'])).toBeUndefined()
  })
})
