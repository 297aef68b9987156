import { createContext, useContext, useSyncExternalStore } from 'react'
import { ApiError, requestToken, type TokenSource, type TokenWire } from './api'

/** How every tenant's API key starts (`jp_` and 43 URL-safe characters). */
export const API_KEY_PREFIX = 'jp_'

/** A token is exchanged again once less than this is left of it (at most half its lifetime). Defaults to 30 s. */
export const TOKEN_REFRESH_MARGIN_MS = 30_000

/** Where a pasted key is kept: for the tab's life only, never in localStorage. */
export const PASTED_KEY_STORAGE_KEY = 'jobplatform.apiKey'

/** Set on "Sign out" so a reload of the tab does not sign in with the development key again. */
export const SIGNED_OUT_STORAGE_KEY = 'jobplatform.signedOut'

/** dev: the key the dev server passed (JOBPLATFORM_API_KEY); pasted: one the user gave. */
export type KeySource = 'dev' | 'pasted'

/** What the console shows about the Api's answer to a refused or failed sign-in. */
export interface AuthProblem {
  status?: number
  title: string
  detail?: string
  unreachable?: boolean
  retryAfter?: number
}

/**
 * signed-out: no key, or the Api refused it (`problem` says why); the sign-in screen shows.
 * signing-in: a key is being exchanged; `problem` is set while the Api cannot be asked (down, rate limited).
 * signed-in: the console holds a token of tenant `tenantId`.
 */
export type AuthState =
  | { status: 'signed-out'; problem?: AuthProblem; devKeyAvailable: boolean }
  | { status: 'signing-in'; problem?: AuthProblem }
  | { status: 'signed-in'; tenantId: string; keySource: KeySource }

export interface AuthSessionOptions {
  /** The development key, if the dev server passed one; empty means none. */
  devKey?: string
  /** Where a pasted key and the signed-out mark live; sessionStorage in the browser. */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  /** Exchanges a key for a token; POST /api/v1/auth/token unless a test says otherwise. */
  exchange?: (key: string) => Promise<TokenWire>
  now?: () => number
}

interface HeldToken {
  accessToken: string
  /** When to exchange the key again: shortly before the token expires, by this browser's clock. */
  refreshAt: number
}

/** A 401 or 403 to the exchange: the key itself is not accepted (unknown, revoked, not a tenant's key). */
const isRefusal = (error: unknown): error is ApiError => error instanceof ApiError && (error.status === 401 || error.status === 403)

function toProblem(error: unknown): AuthProblem {
  if (error instanceof ApiError) {
    return { status: error.status, title: error.title, detail: error.detail, unreachable: error.unreachable, retryAfter: error.retryAfter }
  }
  return { title: 'Signing in failed.', detail: error instanceof Error ? error.message : String(error) }
}

/**
 * The console's credentials: an API key (the dev server's, or one the user pasted, kept in
 * sessionStorage) and the short-lived token it is exchanged for. The token is kept in memory until
 * shortly before it expires, then exchanged again on the next request; after a 401 the request path
 * (`api.ts`) asks for a new one through {@link renew}. Concurrent callers share one exchange. When
 * the Api refuses the key itself (401 or 403 at POST /api/v1/auth/token) the session is signed out
 * with the Api's problem, and the sign-in screen shows it.
 */
export class AuthSession implements TokenSource {
  private readonly devKey: string
  private readonly storage: AuthSessionOptions['storage']
  private readonly exchange: (key: string) => Promise<TokenWire>
  private readonly now: () => number
  private readonly listeners = new Set<() => void>()
  private key: { value: string; source: KeySource } | undefined
  private held: HeldToken | undefined
  private pending: Promise<string> | undefined
  /** Bumped by sign-in and sign-out, so a late answer to an exchange of an older key is dropped. */
  private generation = 0
  private state: AuthState

  constructor(options: AuthSessionOptions = {}) {
    this.devKey = options.devKey ?? ''
    this.storage = options.storage
    this.exchange = options.exchange ?? ((key) => requestToken(key))
    this.now = options.now ?? Date.now
    const pasted = this.read(PASTED_KEY_STORAGE_KEY)
    if (pasted) {
      this.key = { value: pasted, source: 'pasted' }
    } else if (this.devKey && !this.read(SIGNED_OUT_STORAGE_KEY)) {
      this.key = { value: this.devKey, source: 'dev' }
    }
    this.state = this.key ? { status: 'signing-in' } : { status: 'signed-out', devKeyAvailable: this.devKey !== '' }
  }

  /** The current state; the same object until it changes (for useSyncExternalStore). */
  getState = (): AuthState => this.state

  /** Calls `listener` on every change of state; returns a function that stops. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** A token that is good for a while yet: the one held, or a new one for the key. */
  token = (): Promise<string> => {
    if (this.held && this.now() < this.held.refreshAt) {
      return Promise.resolve(this.held.accessToken)
    }
    return this.exchangeKey()
  }

  /** Drops `rejected` unless it was replaced already, and returns a fresh token. */
  renew = (rejected: string): Promise<string> => {
    if (this.held?.accessToken === rejected) {
      this.held = undefined
    }
    return this.token()
  }

  /**
   * Exchanges the key the session starts with (the dev key, or one pasted earlier in this tab).
   * Resolves once settled; the state says how it went.
   */
  resume = async (): Promise<void> => {
    if (this.key) {
      await this.token().catch(() => undefined)
    }
  }

  /**
   * Signs in with a pasted key: it must look like a key (`jp_...`), and the Api must exchange it.
   * Resolves to the problem when it is refused, undefined once signed in.
   */
  signIn = async (key: string): Promise<AuthProblem | undefined> => {
    const trimmed = key.trim()
    if (!trimmed.startsWith(API_KEY_PREFIX)) {
      const problem = { title: 'That is not an API key.', detail: 'An API key starts with jp_.' }
      this.setState({ status: 'signed-out', problem, devKeyAvailable: this.devKey !== '' })
      return problem
    }
    return this.start({ value: trimmed, source: 'pasted' })
  }

  /** Signs in with the development key again after a sign-out. */
  signInWithDevKey = async (): Promise<AuthProblem | undefined> =>
    this.devKey ? this.start({ value: this.devKey, source: 'dev' }) : { title: 'There is no development key.' }

  /** Forgets the token and a pasted key; this tab stays signed out until a key is given again. */
  signOut = (): void => {
    this.generation++
    this.key = undefined
    this.held = undefined
    this.pending = undefined
    this.remove(PASTED_KEY_STORAGE_KEY)
    this.write(SIGNED_OUT_STORAGE_KEY, '1')
    this.setState({ status: 'signed-out', devKeyAvailable: this.devKey !== '' })
  }

  private async start(key: { value: string; source: KeySource }): Promise<AuthProblem | undefined> {
    this.generation++
    this.key = key
    this.held = undefined
    this.pending = undefined
    this.setState({ status: 'signing-in' })
    try {
      await this.exchangeKey()
      return undefined
    } catch (error) {
      if (!isRefusal(error)) {
        // The Api could not say yes or no: back to the form, with why, and the key not kept.
        this.key = undefined
        const problem = toProblem(error)
        this.setState({ status: 'signed-out', problem, devKeyAvailable: this.devKey !== '' })
        return problem
      }
      return toProblem(error)
    }
  }

  private exchangeKey(): Promise<string> {
    const key = this.key
    if (!key) {
      return Promise.reject(new ApiError({ status: 401, title: 'Not signed in.', detail: 'Sign in with an API key first.' }))
    }
    if (this.pending) {
      return this.pending
    }
    const generation = this.generation
    const pending = this.exchange(key.value).then(
      (answer) => {
        if (generation !== this.generation) {
          throw new ApiError({ status: 401, title: 'Signed out.', detail: 'The session changed while signing in.' })
        }
        this.pending = undefined
        this.held = { accessToken: answer.accessToken, refreshAt: this.refreshTime(answer) }
        if (key.source === 'pasted') {
          this.write(PASTED_KEY_STORAGE_KEY, key.value)
        }
        this.remove(SIGNED_OUT_STORAGE_KEY)
        const state = this.state
        if (state.status !== 'signed-in' || state.tenantId !== answer.tenantId || state.keySource !== key.source) {
          this.setState({ status: 'signed-in', tenantId: answer.tenantId, keySource: key.source })
        }
        return answer.accessToken
      },
      (error: unknown) => {
        if (generation !== this.generation) {
          throw error
        }
        this.pending = undefined
        if (isRefusal(error)) {
          this.key = undefined
          this.held = undefined
          this.remove(PASTED_KEY_STORAGE_KEY)
          this.setState({ status: 'signed-out', problem: toProblem(error), devKeyAvailable: this.devKey !== '' })
        } else if (this.state.status === 'signing-in') {
          // Down or rate limited: not a verdict on the key. Signed-in pages report the error themselves.
          this.setState({ status: 'signing-in', problem: toProblem(error) })
        }
        throw error
      },
    )
    this.pending = pending
    return pending
  }

  /** Shortly before the token expires, by this browser's clock: expiresIn does not depend on clocks agreeing. */
  private refreshTime(answer: TokenWire): number {
    const lifetime = Number.isFinite(answer.expiresIn) && answer.expiresIn > 0
      ? answer.expiresIn * 1000
      : Math.max(0, Date.parse(answer.expiresAt) - this.now())
    return this.now() + lifetime - Math.min(TOKEN_REFRESH_MARGIN_MS, lifetime / 2)
  }

  private setState(state: AuthState) {
    this.state = state
    for (const listener of this.listeners) {
      listener()
    }
  }

  private read(name: string): string | null {
    try {
      return this.storage?.getItem(name) ?? null
    } catch {
      return null
    }
  }

  private write(name: string, value: string) {
    try {
      this.storage?.setItem(name, value)
    } catch {
      // Storage refused (private mode, quota): the key then lasts until the page closes.
    }
  }

  private remove(name: string) {
    try {
      this.storage?.removeItem(name)
    } catch {
      // As above: nothing kept, nothing to forget.
    }
  }
}

function sessionStorageOrNone(): Storage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage
  } catch {
    return undefined
  }
}

/**
 * The console's session. The dev server passes the development tenant's key (see vite.config.ts),
 * so in development the console signs in without the user pasting anything.
 */
export const auth = new AuthSession({ devKey: import.meta.env.VITE_DEV_API_KEY ?? '', storage: sessionStorageOrNone() })

/** The state of `session` (the console's unless given), re-rendering on every change. */
export function useAuthState(session: AuthSession = auth): AuthState {
  return useSyncExternalStore(session.subscribe, session.getState)
}

/** Who is signed in, for the header: provided by AuthGate around the signed-in console. */
export interface SignedIn {
  tenantId: string
  keySource: KeySource
  signOut: () => void
}

export const SignedInContext = createContext<SignedIn | undefined>(undefined)

/** The signed-in tenant and how to sign out; undefined outside AuthGate (as in most tests). */
export const useSignedIn = (): SignedIn | undefined => useContext(SignedInContext)
