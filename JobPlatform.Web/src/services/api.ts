import type { components } from './schema'

/** An RFC 9457 problem document as the Api returns it. */
export interface ProblemDetails {
  type?: string
  title?: string
  status?: number
  detail?: string
  errors?: Record<string, string[]>
}

/**
 * A failed call to the Api. `unreachable` means no answer came from the Api itself: the request
 * never left the browser, or the dev-server proxy could not connect to the Api (it answers 502).
 * `retryAfter` is set on a 429: the seconds the Api asks the tenant to wait (its Retry-After).
 */
export class ApiError extends Error {
  readonly status: number | undefined
  readonly title: string
  readonly detail: string | undefined
  readonly unreachable: boolean
  readonly retryAfter: number | undefined

  constructor(init: { status?: number; title: string; detail?: string; unreachable?: boolean; retryAfter?: number }) {
    super(init.detail ? `${init.title} ${init.detail}` : init.title)
    this.name = 'ApiError'
    this.status = init.status
    this.title = init.title
    this.detail = init.detail
    this.unreachable = init.unreachable ?? false
    this.retryAfter = init.retryAfter
  }
}

/** What the console says about a 429, wherever it shows the error. */
export const rateLimitedTitle = (retryAfter: number): string => `Rate limited, retry in ${retryAfter} s`

/**
 * Reads a Retry-After header into whole seconds from now: delta-seconds, or an HTTP date. At least
 * 1 s (the Api never asks for less); undefined when there is no usable header.
 */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | undefined {
  if (!value?.trim()) {
    return undefined
  }
  const seconds = /^\d+$/.test(value.trim()) ? Number(value.trim()) : (Date.parse(value) - now.getTime()) / 1000
  return Number.isFinite(seconds) ? Math.max(1, Math.ceil(seconds)) : undefined
}

// Gateway statuses that come from the proxy in front of the Api rather than from the Api;
// the Api itself always answers errors with problem+json.
const PROXY_FAILURE_STATUSES = new Set([502, 503, 504])

/**
 * Where requests get their bearer token: the console's auth service (`auth.ts`, wired in
 * `main.tsx`), or a stub in tests (`src/test/setup.ts`).
 */
export interface TokenSource {
  /** A token that is good for a while yet, exchanging the API key for one when there is none. */
  token(): Promise<string>
  /**
   * Drops `rejected` (the Api answered 401 to it) unless a newer token already replaced it, and
   * returns a fresh one. Throws when the key itself is refused, having signed the console out.
   */
  renew(rejected: string): Promise<string>
}

let tokenSource: TokenSource | undefined

/** Makes every request to the Api carry the tokens of `source`; undefined unsets it. */
export function setTokenSource(source: TokenSource | undefined): void {
  tokenSource = source
}

/** The token source set by {@link setTokenSource}; calling the Api before one is set is a bug. */
export function currentTokenSource(): TokenSource {
  if (!tokenSource) {
    throw new Error('No token source: call setTokenSource (main.tsx does) before calling the Api.')
  }
  return tokenSource
}

type HeaderMap = Record<string, string>

/** Sends one request with `Authorization: Bearer <credential>`, reporting a failed request as unreachable. */
async function sendWith(credential: string, path: string, init: RequestInit & { headers: HeaderMap }): Promise<Response> {
  try {
    return await fetch(path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${credential}` } })
  } catch (error) {
    // fetch rejects with a TypeError only when the network request itself failed;
    // an abort (DOMException) belongs to TanStack Query and must pass through untouched.
    if (error instanceof TypeError) {
      throw new ApiError({ title: 'The Api could not be reached.', detail: error.message, unreachable: true })
    }
    throw error
  }
}

/**
 * The one way a request reaches the Api: with the current token. After a 401 (the token expired,
 * or its key was revoked) the token is renewed once and the request sent once more; a second 401
 * is the caller's to report, and a refused key signs the console out (see `auth.ts`).
 */
async function send(path: string, init: RequestInit & { headers: HeaderMap }): Promise<Response> {
  const tokens = currentTokenSource()
  const token = await tokens.token()
  const response = await sendWith(token, path, init)
  if (response.status !== 401) {
    return response
  }
  return sendWith(await tokens.renew(token), path, init)
}

/** GETs a JSON document from the Api, throwing {@link ApiError} for anything but a 2xx answer. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await send(path, { headers: { Accept: 'application/json' }, signal })
  if (!response.ok) {
    throw await toApiError(response)
  }
  return (await response.json()) as T
}

/** The answer of POST /api/v1/auth/token. */
export type TokenWire = components['schemas']['TokenResponse']

/**
 * Exchanges an API key (`jp_...`) for a short-lived token at POST /api/v1/auth/token, the one
 * request sent with the key itself. Throws {@link ApiError}: a 401 or 403 means the key was refused.
 */
export async function requestToken(key: string, signal?: AbortSignal): Promise<TokenWire> {
  const response = await sendWith(key, '/api/v1/auth/token', {
    method: 'POST',
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: '{}',
    signal,
  })
  if (!response.ok) {
    throw await toApiError(response)
  }
  return (await response.json()) as TokenWire
}

async function toApiError(response: Response): Promise<ApiError> {
  if (response.status === 429) {
    // The tenant is over its rate limit: say when to try again rather than "Too many requests".
    const retryAfter = parseRetryAfter(response.headers.get('Retry-After')) ?? 1
    const problem = (await response.json().catch(() => ({}))) as ProblemDetails
    return new ApiError({ status: 429, title: rateLimitedTitle(retryAfter), detail: problem.detail, retryAfter })
  }
  const contentType = response.headers.get('Content-Type') ?? ''
  if (contentType.includes('json')) {
    const problem = (await response.json().catch(() => ({}))) as ProblemDetails
    // A GET's 400 names its fields too (a schedule preview's cron or timeZone).
    if (response.status === 400 && problem.errors) {
      return new ValidationError({
        status: 400,
        title: problem.title ?? 'The request is not valid.',
        detail: problem.detail ?? firstValidationError(problem),
        errors: problem.errors,
      })
    }
    return new ApiError({
      status: problem.status ?? response.status,
      title: problem.title ?? `The Api answered ${response.status}.`,
      detail: problem.detail ?? firstValidationError(problem),
    })
  }
  return new ApiError({
    status: response.status,
    title: PROXY_FAILURE_STATUSES.has(response.status)
      ? 'The Api could not be reached.'
      : `The Api answered ${response.status} ${response.statusText}`.trim() + '.',
    unreachable: PROXY_FAILURE_STATUSES.has(response.status),
  })
}

function firstValidationError(problem: ProblemDetails): string | undefined {
  const [field, messages] = Object.entries(problem.errors ?? {})[0] ?? []
  return field && messages?.[0] ? `${field}: ${messages[0]}` : undefined
}

/** A problem answer that names fields: the Api's 400 ValidationProblem. */
export class ValidationError extends ApiError {
  readonly errors: Record<string, string[]>

  constructor(init: { status?: number; title: string; detail?: string; errors: Record<string, string[]> }) {
    super(init)
    this.name = 'ValidationError'
    this.errors = init.errors
  }
}

/**
 * Sends JSON to the Api with `method` and returns its JSON answer (undefined for a 204), throwing
 * {@link ValidationError} for a 400 that names fields and {@link ApiError} for anything else that is
 * not a 2xx.
 */
async function sendJson<T>(method: string, path: string, body?: unknown, headers?: HeaderMap): Promise<T> {
  const response = await send(path, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (response.status === 400 && (response.headers.get('Content-Type') ?? '').includes('json')) {
    const problem = (await response.json().catch(() => ({}))) as ProblemDetails
    if (problem.errors) {
      throw new ValidationError({ status: 400, title: problem.title ?? 'The request is not valid.', detail: problem.detail, errors: problem.errors })
    }
    throw new ApiError({ status: 400, title: problem.title ?? 'The request is not valid.', detail: problem.detail })
  }
  if (!response.ok) {
    throw await toApiError(response)
  }
  return response.status === 204 ? (undefined as T) : ((await response.json()) as T)
}

/** POSTs JSON to the Api and returns its JSON answer; errors as {@link sendJson} throws them. */
export const postJson = <T>(path: string, body?: unknown, headers?: HeaderMap): Promise<T> => sendJson<T>('POST', path, body, headers)

/** PATCHes JSON to the Api: the fields given replace their values. Errors as {@link sendJson} throws them. */
export const patchJson = <T>(path: string, body: unknown): Promise<T> => sendJson<T>('PATCH', path, body)

/** DELETEs a resource; the Api answers 204. Errors as {@link sendJson} throws them. */
export const deleteJson = (path: string): Promise<void> => sendJson<void>('DELETE', path)

/** What a page says about a failed query: whether the Api answered at all, and its problem if it did. */
export function describeApiError(
  error: unknown,
  fallbackTitle: string,
): { unreachable: boolean; status?: number; title: string; detail?: string; retryAfter?: number } {
  if (error instanceof ApiError) {
    return {
      unreachable: error.unreachable,
      status: error.status,
      title: error.title,
      detail: error.detail,
      ...(error.retryAfter !== undefined && { retryAfter: error.retryAfter }),
    }
  }
  return { unreachable: false, title: fallbackTitle, detail: error instanceof Error ? error.message : String(error) }
}

/**
 * TanStack Query's retry policy for the console: a failed read is tried twice more, unless the Api
 * answered with a 4xx (not found, invalid), which asking again cannot change.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status !== undefined && error.status >= 400 && error.status < 500) {
    return false
  }
  return failureCount < 2
}
