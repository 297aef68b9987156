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
 */
export class ApiError extends Error {
  readonly status: number | undefined
  readonly title: string
  readonly detail: string | undefined
  readonly unreachable: boolean

  constructor(init: { status?: number; title: string; detail?: string; unreachable?: boolean }) {
    super(init.detail ? `${init.title} ${init.detail}` : init.title)
    this.name = 'ApiError'
    this.status = init.status
    this.title = init.title
    this.detail = init.detail
    this.unreachable = init.unreachable ?? false
  }
}

// Gateway statuses that come from the proxy in front of the Api rather than from the Api;
// the Api itself always answers errors with problem+json.
const PROXY_FAILURE_STATUSES = new Set([502, 503, 504])

/** GETs a JSON document from the Api, throwing {@link ApiError} for anything but a 2xx answer. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, { headers: { Accept: 'application/json' }, signal })
  } catch (error) {
    // fetch rejects with a TypeError only when the network request itself failed;
    // an abort (DOMException) belongs to TanStack Query and must pass through untouched.
    if (error instanceof TypeError) {
      throw new ApiError({ title: 'The Api could not be reached.', detail: error.message, unreachable: true })
    }
    throw error
  }
  if (!response.ok) {
    throw await toApiError(response)
  }
  return (await response.json()) as T
}

async function toApiError(response: Response): Promise<ApiError> {
  const contentType = response.headers.get('Content-Type') ?? ''
  if (contentType.includes('json')) {
    const problem = (await response.json().catch(() => ({}))) as ProblemDetails
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
 * POSTs JSON to the Api and returns its JSON answer, throwing {@link ValidationError} for a 400 that
 * names fields and {@link ApiError} for anything else that is not a 2xx.
 */
export async function postJson<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (error) {
    if (error instanceof TypeError) {
      throw new ApiError({ title: 'The Api could not be reached.', detail: error.message, unreachable: true })
    }
    throw error
  }
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
  return (await response.json()) as T
}

/** What a page says about a failed query: whether the Api answered at all, and its problem if it did. */
export function describeApiError(error: unknown, fallbackTitle: string): { unreachable: boolean; status?: number; title: string; detail?: string } {
  if (error instanceof ApiError) {
    return { unreachable: error.unreachable, status: error.status, title: error.title, detail: error.detail }
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
