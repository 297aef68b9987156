import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useMemo, type ReactNode } from 'react'
import { ApiErrorNotice } from './components/ApiErrorNotice'
import { SignInForm } from './components/SignInForm'
import { auth, SignedInContext, useAuthState, type AuthSession, type SignedIn } from './services/auth'
import { POLL_INTERVAL_MS } from './services/events'

export interface AuthGateProps {
  /** The console's session unless a test gives its own. */
  session?: AuthSession
  children: ReactNode
}

/**
 * Renders the console once it holds a token, so no page asks the Api without one. With a key at
 * hand (the dev server's, or one pasted earlier in this tab) it says "Signing in…" while the key
 * is exchanged, and keeps asking every 2 s while the Api cannot answer; with no key, or a key the
 * Api refused, it shows the sign-in screen. Signing out, or losing the key, empties the query
 * cache so no tenant's data outlives its session.
 */
export function AuthGate({ session = auth, children }: AuthGateProps) {
  const state = useAuthState(session)
  const queryClient = useQueryClient()
  const signingIn = state.status === 'signing-in'
  const failed = signingIn && state.problem !== undefined

  useEffect(() => {
    if (!signingIn) {
      return
    }
    if (!failed) {
      void session.resume()
      return
    }
    const timer = setTimeout(() => void session.resume(), (state.problem?.retryAfter ?? 0) * 1000 || POLL_INTERVAL_MS)
    return () => clearTimeout(timer)
  }, [session, signingIn, failed, state])

  useEffect(() => {
    if (state.status === 'signed-out') {
      queryClient.clear()
    }
  }, [queryClient, state.status])

  const signedIn = useMemo<SignedIn | undefined>(
    () => (state.status === 'signed-in' ? { tenantId: state.tenantId, keySource: state.keySource, signOut: session.signOut } : undefined),
    [state, session],
  )

  if (state.status === 'signed-in') {
    return <SignedInContext value={signedIn}>{children}</SignedInContext>
  }
  return (
    <main className="app__main" id="main" tabIndex={-1}>
      {state.status === 'signing-in' ? (
        <>
          <p className="state" role="status">
            Signing in…
          </p>
          {state.problem && <ApiErrorNotice {...state.problem} unreachable={state.problem.unreachable ?? false} />}
        </>
      ) : (
        <SignInForm
          onSignIn={session.signIn}
          problem={state.problem}
          onUseDevKey={state.devKeyAvailable ? () => void session.signInWithDevKey() : undefined}
        />
      )}
    </main>
  )
}
