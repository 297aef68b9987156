import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, makePage, makeTaskWire, problemResponse, routeFetch } from '../test/factories'
import { currentLocation, renderPage } from '../test/renderPage'
import { FailuresPage } from './FailuresPage'

afterEach(() => vi.unstubAllGlobals())

const failed = makeTaskWire({ jobName: 'nightly', index: 4, status: 'failed', error: 'failed on purpose' })
const dead = makeTaskWire({ jobName: 'import', index: 9, status: 'dead_lettered', error: 'worker lost' })

function stub(retry: () => Response, page = makePage([failed, dead], { totalCount: 60, totalPages: 2 })) {
  const fetch = vi.fn(
    routeFetch([
      ['GET', '/api/v1/tasks?status=failed&status=dead_lettered', () => jsonResponse(page)],
      ['POST', '/api/v1/tasks/', retry],
    ]),
  )
  vi.stubGlobal('fetch', fetch)
  return fetch
}

const open = (path = '/failures') => renderPage(<FailuresPage />, { path, route: '/failures' })

describe('FailuresPage', () => {
  it('lists failed and dead-lettered tasks across jobs', async () => {
    const fetch = stub(() => jsonResponse(failed))
    open()

    const row = (await screen.findByText('failed on purpose')).closest('tr')!
    expect(within(row).getByRole('link', { name: 'nightly' })).toBeInTheDocument()
    expect(screen.getByText('dead_lettered')).toBeInTheDocument()
    expect(screen.getByText('60 failed or dead-lettered tasks')).toBeInTheDocument()
    expect(String(fetch.mock.calls[0]![0])).toBe('/api/v1/tasks?status=failed&status=dead_lettered&page=1&pageSize=50')
  })

  it('retries one task and says so', async () => {
    const fetch = stub(() => jsonResponse({ ...failed, status: 'enqueued' }))
    open()

    const row = (await screen.findByText('failed on purpose')).closest('tr')!
    fireEvent.click(within(row).getByRole('button', { name: 'Retry' }))

    expect(await screen.findByRole('status')).toHaveTextContent('Task 4 of nightly is queued again.')
    expect(fetch.mock.calls.some(([path, init]) => init?.method === 'POST' && path === `/api/v1/tasks/${failed.id}/retry`)).toBe(true)
  })

  it("shows the Api's refusal of a retry", async () => {
    stub(() => problemResponse({ status: 409, title: 'The task cannot be retried.', detail: 'It is running.' }))
    open()

    fireEvent.click((await screen.findAllByRole('button', { name: 'Retry' }))[0]!)

    expect(await screen.findByRole('alert')).toHaveTextContent('Task 4 of nightly was not retried: The task cannot be retried. It is running.')
  })

  it('pages through the failures, in the URL', async () => {
    const fetch = stub(() => jsonResponse(failed))
    open()

    fireEvent.click(await screen.findByRole('button', { name: 'Next' }))

    expect(currentLocation()).toBe('/failures?page=2')
    await vi.waitFor(() => expect(fetch.mock.calls.map(([p]) => String(p))).toContain('/api/v1/tasks?status=failed&status=dead_lettered&page=2&pageSize=50'))
  })

  it('says so when nothing failed', async () => {
    stub(() => jsonResponse(failed), makePage([]))
    open()

    expect(await screen.findByText(/No failed tasks/)).toBeInTheDocument()
  })
})
