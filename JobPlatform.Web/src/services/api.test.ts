import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, problemResponse } from '../test/factories'
import { makeTokenWire, stubTokens, TEST_KEY, TEST_TOKEN } from '../test/tokens'
import { ApiError, deleteJson, describeApiError, getJson, parseRetryAfter, patchJson, postJson, requestToken, setTokenSource, shouldRetry, ValidationError } from './api'

afterEach(() => {
  vi.unstubAllGlobals()
})

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ApiError)
  return error as ApiError
}

describe('getJson', () => {
  it('returns the parsed body of a 2xx answer', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse({ ok: 1 })))

    await expect(getJson('/api/v1/x')).resolves.toEqual({ ok: 1 })
  })

  it('reports the Api unreachable when the request itself fails', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))

    const error = await failure(getJson('/api/v1/x'))

    expect(error.unreachable).toBe(true)
  })

  it('reports the Api unreachable when the dev proxy answers 502', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(new Response('', { status: 502, headers: { 'Content-Type': 'text/plain' } })))

    const error = await failure(getJson('/api/v1/x'))

    expect(error.unreachable).toBe(true)
    expect(error.status).toBe(502)
  })

  it('carries the title and detail of a problem+json answer', async () => {
    const problem = { title: 'Job not found.', status: 404, detail: 'No job has id 42.' }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(problem, { status: 404, contentType: 'application/problem+json' })))

    const error = await failure(getJson('/api/v1/x'))

    expect(error).toMatchObject({ unreachable: false, status: 404, title: 'Job not found.', detail: 'No job has id 42.' })
  })

  it('uses the first validation error as the detail of a validation problem', async () => {
    const problem = { title: 'One or more validation errors occurred.', status: 400, errors: { pageSize: ['Must be at most 500.'] } }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(problem, { status: 400, contentType: 'application/problem+json' })))

    const error = await failure(getJson('/api/v1/x'))

    expect(error.detail).toBe('pageSize: Must be at most 500.')
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).errors).toEqual({ pageSize: ['Must be at most 500.'] })
  })

  it('lets an abort pass through untouched', async () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError')
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(abort))

    await expect(getJson('/api/v1/x')).rejects.toBe(abort)
  })
})

type FetchMock = ReturnType<typeof vi.fn<(path: string, init?: RequestInit) => Promise<Response>>>

/** A fetch answering `answer` to every request. */
const answering = (answer: () => Response) => vi.fn<(path: string, init?: RequestInit) => Promise<Response>>(async () => answer())

/** The Authorization header of each request made, in order. */
const authorizations = (fetch: FetchMock) => fetch.mock.calls.map(([, init]) => (init?.headers as Record<string, string>).Authorization)

describe('the bearer token', () => {
  it('goes with every GET and POST', async () => {
    const fetch = answering(() => jsonResponse({}))
    vi.stubGlobal('fetch', fetch)

    await getJson('/api/v1/x')
    await postJson('/api/v1/y', {}, { 'Idempotency-Key': 'k' })

    expect(authorizations(fetch)).toEqual([`Bearer ${TEST_TOKEN}`, `Bearer ${TEST_TOKEN}`])
    expect(fetch.mock.calls[1]![1]?.headers).toMatchObject({ 'Idempotency-Key': 'k', 'Content-Type': 'application/json' })
  })

  it('is renewed once after a 401, and the request sent once more', async () => {
    const tokens = stubTokens('old')
    tokens.renew.mockResolvedValue('new')
    setTokenSource(tokens)
    const fetch = vi.fn<(path: string, init?: RequestInit) => Promise<Response>>()
      .mockResolvedValueOnce(problemResponse({ status: 401, title: 'Unauthorized', detail: 'The token expired.' }))
      .mockResolvedValueOnce(jsonResponse({ ok: 1 }))
    vi.stubGlobal('fetch', fetch)

    await expect(getJson('/api/v1/x')).resolves.toEqual({ ok: 1 })

    expect(tokens.renew).toHaveBeenCalledWith('old')
    expect(authorizations(fetch)).toEqual(['Bearer old', 'Bearer new'])
  })

  it('reports a second 401 rather than asking forever', async () => {
    const fetch = answering(() => problemResponse({ status: 401, title: 'Unauthorized', detail: 'The API key was revoked.' }))
    vi.stubGlobal('fetch', fetch)

    await expect(postJson('/api/v1/jobs', {})).rejects.toMatchObject({ status: 401, detail: 'The API key was revoked.' })
    expect(fetch).toHaveBeenCalledTimes(2)
  })

  it('is not asked for when the key itself is refused: the failed renewal is the answer', async () => {
    const tokens = stubTokens()
    const refused = new ApiError({ status: 401, title: 'Unauthorized', detail: 'Unknown API key.' })
    tokens.renew.mockRejectedValue(refused)
    setTokenSource(tokens)
    const fetch = answering(() => problemResponse({ status: 401, title: 'Unauthorized' }))
    vi.stubGlobal('fetch', fetch)

    await expect(getJson('/api/v1/x')).rejects.toBe(refused)
    expect(fetch).toHaveBeenCalledOnce()
  })

  it('is required: calling the Api without a token source is a bug', async () => {
    setTokenSource(undefined)
    vi.stubGlobal('fetch', vi.fn())

    await expect(getJson('/api/v1/x')).rejects.toThrow('No token source')
  })
})

describe('requestToken', () => {
  it('exchanges the key, sent as the bearer, at POST /api/v1/auth/token', async () => {
    const wire = makeTokenWire()
    const fetch = answering(() => jsonResponse(wire))
    vi.stubGlobal('fetch', fetch)

    await expect(requestToken(TEST_KEY)).resolves.toEqual(wire)

    const [path, init] = fetch.mock.calls[0]!
    expect(path).toBe('/api/v1/auth/token')
    expect(init?.method).toBe('POST')
    expect(init?.body).toBe('{}')
    expect(authorizations(fetch)).toEqual([`Bearer ${TEST_KEY}`])
  })

  it("carries the Api's refusal of the key", async () => {
    vi.stubGlobal('fetch', vi.fn(async () => problemResponse({ status: 401, title: 'Unauthorized', detail: 'The API key is not valid.' })))

    await expect(requestToken(TEST_KEY)).rejects.toMatchObject({ status: 401, detail: 'The API key is not valid.' })
  })
})

describe('a 429', () => {
  it('carries the seconds of its Retry-After and says when to try again', async () => {
    const response = problemResponse({ status: 429, title: 'Too many requests.', detail: "Tenant 'dev' is over its rate limit of 60 requests a minute. Retry after 7 s." })
    response.headers.set('Retry-After', '7')
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(response))

    const error = await failure(getJson('/api/v1/x'))

    expect(error).toMatchObject({ status: 429, retryAfter: 7, title: 'Rate limited, retry in 7 s' })
    expect(error.detail).toContain('over its rate limit')
    expect(describeApiError(error, 'x')).toMatchObject({ retryAfter: 7 })
    expect(shouldRetry(0, error)).toBe(false)
  })

  it('reads Retry-After as seconds or a date, and waits at least a second', () => {
    const now = new Date('2026-11-24T10:00:00Z')
    expect(parseRetryAfter('12', now)).toBe(12)
    expect(parseRetryAfter('0', now)).toBe(1)
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:00:30 GMT', now)).toBe(30)
    expect(parseRetryAfter(null, now)).toBeUndefined()
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })
})

describe('shouldRetry', () => {
  it('asks twice more after a network failure or a 5xx', () => {
    const down = new ApiError({ title: 'The Api could not be reached.', unreachable: true })
    expect([0, 1, 2].map((n) => shouldRetry(n, down))).toEqual([true, true, false])
    expect(shouldRetry(0, new ApiError({ title: 'Oops', status: 500 }))).toBe(true)
  })

  it('does not ask again after a 4xx', () => {
    expect(shouldRetry(0, new ApiError({ title: 'Job not found.', status: 404 }))).toBe(false)
    expect(shouldRetry(0, new ApiError({ title: 'Invalid.', status: 400 }))).toBe(false)
  })
})

describe('postJson', () => {
  it('throws a ValidationError carrying the fields of a 400 validation problem', async () => {
    const problem = { title: 'The job is not valid.', status: 400, errors: { taskCount: ['Too many.'] } }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(problem, { status: 400, contentType: 'application/problem+json' })))

    const error = await postJson('/api/v1/jobs', {}).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).errors).toEqual({ taskCount: ['Too many.'] })
  })

  it('carries the detail of a 409 problem', async () => {
    const problem = { title: 'The job cannot be cancelled.', status: 409, detail: 'It is completed.' }
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(jsonResponse(problem, { status: 409, contentType: 'application/problem+json' })))

    await expect(postJson('/api/v1/jobs/j1/cancel')).rejects.toMatchObject({ status: 409, detail: 'It is completed.' })
  })
})

describe('patchJson', () => {
  it('sends the fields given with PATCH and returns the answer', async () => {
    const fetch = answering(() => jsonResponse({ paused: true }))
    vi.stubGlobal('fetch', fetch)

    await expect(patchJson('/api/v1/schedules/s1', { paused: true })).resolves.toEqual({ paused: true })

    const [path, init] = fetch.mock.calls[0]!
    expect(path).toBe('/api/v1/schedules/s1')
    expect(init).toMatchObject({ method: 'PATCH', body: '{"paused":true}' })
    expect(init?.headers).toMatchObject({ 'Content-Type': 'application/json', Authorization: `Bearer ${TEST_TOKEN}` })
  })

  it('throws a ValidationError carrying the fields of a 400 validation problem', async () => {
    vi.stubGlobal('fetch', answering(() => problemResponse({ status: 400, title: 'The schedule is not valid.', errors: { cron: ['Bad.'] } })))

    const error = await patchJson('/api/v1/schedules/s1', { cron: 'x' }).catch((e: unknown) => e)

    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).errors).toEqual({ cron: ['Bad.'] })
  })
})

describe('deleteJson', () => {
  it('sends DELETE and reads nothing from a 204', async () => {
    const fetch = answering(() => new Response(null, { status: 204 }))
    vi.stubGlobal('fetch', fetch)

    await expect(deleteJson('/api/v1/schedules/s1')).resolves.toBeUndefined()

    expect(fetch.mock.calls[0]![1]?.method).toBe('DELETE')
  })

  it('carries the problem of a 404', async () => {
    vi.stubGlobal('fetch', answering(() => problemResponse({ status: 404, title: 'Schedule not found.' })))

    await expect(deleteJson('/api/v1/schedules/s1')).rejects.toMatchObject({ status: 404, title: 'Schedule not found.' })
  })
})

describe('describeApiError', () => {
  it('keeps what an ApiError knows, and wraps anything else', () => {
    expect(describeApiError(new ApiError({ title: 'Gone.', status: 404, detail: 'No job.' }), 'fallback')).toEqual({
      unreachable: false, status: 404, title: 'Gone.', detail: 'No job.',
    })
    expect(describeApiError(new Error('boom'), 'The jobs could not be loaded')).toEqual({
      unreachable: false, title: 'The jobs could not be loaded', detail: 'boom',
    })
  })
})
