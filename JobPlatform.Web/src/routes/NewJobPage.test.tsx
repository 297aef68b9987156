import { fireEvent, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jobKeys } from '../services/jobs'
import { jsonResponse, makeJobWire, problemResponse, routeFetch, TASK_TYPES } from '../test/factories'
import { currentLocation, renderPage } from '../test/renderPage'
import { NewJobPage } from './NewJobPage'

afterEach(() => vi.unstubAllGlobals())

function stub(answer: (init?: RequestInit) => Response | Promise<Response>) {
  const post = vi.fn(answer)
  vi.stubGlobal('fetch', routeFetch([
    ['GET', '/api/v1/task-types', () => jsonResponse(TASK_TYPES)],
    ['POST', '/api/v1/jobs', post],
  ]))
  return post
}

const keyOf = (init: RequestInit | undefined) => (init?.headers as Record<string, string>)['Idempotency-Key']
const open = () => renderPage(<NewJobPage />, { path: '/jobs/new', route: '/jobs/new' })

describe('NewJobPage', () => {
  it('submits the job with an idempotency key and opens its page, already filled', async () => {
    const created = makeJobWire({ name: 'nightly' })
    const post = stub(() => jsonResponse(created, { status: 201 }))
    const { queryClient } = open()

    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'nightly' } })
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }))

    await vi.waitFor(() => expect(currentLocation()).toBe(`/jobs/${created.id}`))
    expect(keyOf(post.mock.calls[0]![0])).toMatch(/^[0-9a-f-]{36}$/)
    expect(JSON.parse(post.mock.calls[0]![0]!.body as string)).toMatchObject({ type: 'sleep', taskCount: 10, priority: 'normal', name: 'nightly', parameters: { ms: 100 } })
    expect(queryClient.getQueryData(jobKeys.detail(created.id))).toMatchObject({ name: 'nightly' })
  })

  it('sends one request for a double click', async () => {
    let answer!: (response: Response) => void
    const post = stub(() => new Promise<Response>((resolve) => (answer = resolve)))
    open()

    const button = await screen.findByRole('button', { name: 'Submit job' })
    fireEvent.click(button)
    fireEvent.click(button)

    expect(button).toBeDisabled()
    await vi.waitFor(() => expect(answer).toBeDefined())
    answer(jsonResponse(makeJobWire(), { status: 201 }))
    await vi.waitFor(() => expect(currentLocation()).toMatch(/^\/jobs\/[0-9a-f-]{36}$/))
    expect(post).toHaveBeenCalledTimes(1)
  })

  it("shows the Api's validation errors next to their fields, and keeps the key for the next try", async () => {
    const post = stub(() =>
      problemResponse({ status: 400, title: 'The job is not valid.', errors: { taskCount: ['taskCount must be from 1 to 100,000; it was 0.'] } }),
    )
    open()

    fireEvent.change(await screen.findByLabelText('Task count'), { target: { value: '0' } })
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }))

    expect(await screen.findByText('taskCount must be from 1 to 100,000; it was 0.')).toHaveAttribute('id', 'taskCount-error')
    expect(screen.getByLabelText('Task count').getAttribute('aria-describedby')).toContain('taskCount-error')
    expect(screen.getByRole('alert')).toHaveTextContent('The job is not valid.')
    expect(currentLocation()).toBe('/jobs/new')

    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }))
    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2))
    expect(keyOf(post.mock.calls[1]![0])).toBe(keyOf(post.mock.calls[0]![0]))
  })

  it('sends the priority chosen', async () => {
    const created = makeJobWire({ priority: 'high' })
    const post = stub(() => jsonResponse(created, { status: 201 }))
    const { queryClient } = open()

    fireEvent.change(await screen.findByLabelText('Priority'), { target: { value: 'high' } })
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }))

    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(1))
    expect(JSON.parse(post.mock.calls[0]![0]!.body as string)).toMatchObject({ type: 'sleep', priority: 'high' })
    await vi.waitFor(() => expect(currentLocation()).toBe(`/jobs/${created.id}`))
    expect(queryClient.getQueryData(jobKeys.detail(created.id))).toMatchObject({ priority: 'high' })
  })

  it("shows the Api's priority error next to the priority", async () => {
    stub(() =>
      problemResponse({
        status: 400,
        title: 'The job is not valid.',
        errors: { priority: ["Unknown priority 'urgent'. Use one of: critical, high, normal, low."] },
      }),
    )
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Submit job' }))

    expect(await screen.findByText(/Unknown priority 'urgent'/)).toHaveAttribute('id', 'priority-error')
    expect(screen.getByLabelText('Priority')).toHaveAccessibleDescription(expect.stringContaining("Unknown priority 'urgent'."))
    expect(screen.getByRole('alert')).toHaveTextContent('The job is not valid. Fix the fields marked below.')
  })

  it("sends a registered type's parameters typed, and shows the Api's errors under them", async () => {
    const post = stub(() => problemResponse({ status: 400, title: 'The job is not valid.', errors: { 'parameters.rounds': ['rounds must be from 1 to 1000; it was 5000.'] } }))
    open()

    fireEvent.change(await screen.findByLabelText('Task type'), { target: { value: 'digest' } })
    fireEvent.change(screen.getByLabelText('text'), { target: { value: 'hello' } })
    fireEvent.change(screen.getByLabelText('rounds'), { target: { value: '5000' } })
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }))

    expect(await screen.findByText('rounds must be from 1 to 1000; it was 5000.')).toHaveAttribute('id', 'parameters.rounds-error')
    expect(screen.getByLabelText('rounds')).toHaveAttribute('aria-invalid', 'true')
    expect(JSON.parse(post.mock.calls[0]![0]!.body as string)).toMatchObject({ type: 'digest', parameters: { text: 'hello', rounds: 5000 } })
  })

  it('says a job of a type no live worker runs will wait', async () => {
    stub(() => jsonResponse(makeJobWire(), { status: 201 }))
    open()

    fireEvent.change(await screen.findByLabelText('Task type'), { target: { value: 'thumbnail' } })

    expect(screen.getByText('No live worker runs thumbnail now: the job will wait until one starts.')).toBeInTheDocument()
  })

  it('shows any other refusal above the form', async () => {
    stub(() => problemResponse({ status: 409, title: 'A request with this Idempotency-Key is in progress.', detail: 'Retry after it does.' }))
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Submit job' }))

    expect(await screen.findByRole('alert')).toHaveTextContent('A request with this Idempotency-Key is in progress. Retry after it does.')
    expect(screen.getByRole('button', { name: 'Submit job' })).toBeEnabled()
  })

  it('takes a new key when the Api says the old one went with a different job', async () => {
    const post = stub(() => problemResponse({ status: 422, title: 'Idempotency-Key reused with a different request.' }))
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Submit job' }))
    expect(await screen.findByRole('alert')).toHaveTextContent('submit again to create a new job')
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }))

    await vi.waitFor(() => expect(post).toHaveBeenCalledTimes(2))
    expect(keyOf(post.mock.calls[1]![0])).not.toBe(keyOf(post.mock.calls[0]![0]))
  })

  it('says so when the task types cannot be loaded', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')))
    open()

    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the Api')
    expect(screen.queryByRole('button', { name: 'Submit job' })).not.toBeInTheDocument()
  })
})
