import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse } from '../test/factories'
import { ApiError, describeApiError, getJson, postJson, shouldRetry, ValidationError } from './api'

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
  })

  it('lets an abort pass through untouched', async () => {
    const abort = new DOMException('The operation was aborted.', 'AbortError')
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(abort))

    await expect(getJson('/api/v1/x')).rejects.toBe(abort)
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
