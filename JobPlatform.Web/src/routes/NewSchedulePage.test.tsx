import { fireEvent, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { scheduleKeys } from '../services/schedules'
import { jsonResponse, makeScheduleWire, problemResponse, routeFetch, TASK_TYPES } from '../test/factories'
import { currentLocation, renderPage } from '../test/renderPage'
import { NewSchedulePage } from './NewSchedulePage'

afterEach(() => vi.unstubAllGlobals())

const FIRE_TIMES = ['2026-12-06T18:10:02Z', '2026-12-06T18:10:04Z', '2026-12-06T18:10:06Z', '2026-12-06T18:10:08Z', '2026-12-06T18:10:10Z']

function stub(answer: (init?: RequestInit) => Response | Promise<Response>, preview: () => Response = () => jsonResponse({ cron: '*/2 * * * * *', timeZone: 'UTC', fireTimes: FIRE_TIMES })) {
  const post = vi.fn(answer)
  const fetch = vi.fn(
    routeFetch([
      ['GET', '/api/v1/task-types', () => jsonResponse(TASK_TYPES)],
      ['GET', '/api/v1/schedules/preview', preview],
      ['POST', '/api/v1/schedules', post],
    ]),
  )
  vi.stubGlobal('fetch', fetch)
  return { post, fetch }
}

const open = () => renderPage(<NewSchedulePage />, { path: '/schedules/new', route: '/schedules/new' })
const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } })

describe('NewSchedulePage', () => {
  it('shows the next five fire times of the expression typed, in its zone', async () => {
    const { fetch } = stub(() => jsonResponse(makeScheduleWire(), { status: 201 }))
    open()

    await screen.findByLabelText('Time zone')
    change('Time zone', 'UTC')
    change('Cron expression', '*/2 * * * * *')

    const list = await screen.findByRole('list', { name: 'Preview of the next fire times' })
    expect(within(list).getAllByRole('listitem')).toHaveLength(5)
    expect(within(list).getAllByRole('listitem')[0]).toHaveTextContent(/Sun, Dec 6, 2026, 18:10:02 GMT/)
    const previews = fetch.mock.calls.map(([path]) => String(path)).filter((path) => path.includes('/preview'))
    expect(previews).toEqual(['/api/v1/schedules/preview?cron=*%2F2+*+*+*+*+*&timeZone=UTC'])
  })

  it("shows the Api's word on a bad zone next to it", async () => {
    stub(
      () => jsonResponse(makeScheduleWire(), { status: 201 }),
      () => problemResponse({ status: 400, title: 'The schedule is not valid.', errors: { timeZone: ["Unknown time zone 'Mars/Olympus'."] } }),
    )
    open()

    await screen.findByLabelText('Time zone')
    change('Time zone', 'Mars/Olympus')
    change('Cron expression', '@daily')

    await vi.waitFor(() => expect(screen.getByLabelText('Time zone')).toHaveAccessibleDescription(expect.stringContaining("Unknown time zone 'Mars/Olympus'.")))
  })

  it('creates the schedule and opens its page, already filled', async () => {
    const created = makeScheduleWire({ name: 'every two seconds' })
    const { post } = stub(() => jsonResponse(created, { status: 201 }))
    const { queryClient } = open()

    await screen.findByLabelText('Name')
    change('Name', 'every two seconds')
    change('Cron expression', '*/2 * * * * *')
    change('Overlap', 'allow')
    fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }))

    await vi.waitFor(() => expect(currentLocation()).toBe(`/schedules/${created.id}`))
    expect(JSON.parse(post.mock.calls[0]![0]!.body as string)).toMatchObject({
      name: 'every two seconds',
      cron: '*/2 * * * * *',
      overlap: 'allow',
      catchUp: 'skip',
      paused: false,
      job: { type: 'noop', taskCount: 1, priority: 'normal' },
    })
    expect(queryClient.getQueryData(scheduleKeys.detail(created.id))).toMatchObject({ name: 'every two seconds' })
  })

  it("shows the Api's errors next to their fields, job fields included, and the rest above", async () => {
    stub(() =>
      problemResponse({
        status: 400,
        title: 'The schedule is not valid.',
        errors: { cron: ["'61 * * * *' is not a cron expression."], 'job.taskCount': ['taskCount must be from 1 to 100,000; it was 0.'], 'job.queue': ['No such queue.'] },
      }),
    )
    open()

    await screen.findByLabelText('Cron expression')
    change('Cron expression', '61 * * * *')
    change('Task count', '0')
    fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }))

    expect(await screen.findByText('taskCount must be from 1 to 100,000; it was 0.')).toHaveAttribute('id', 'job.taskCount-error')
    expect(screen.getByLabelText('Cron expression')).toHaveAccessibleDescription(expect.stringContaining("'61 * * * *' is not a cron expression."))
    expect(screen.getByRole('alert')).toHaveTextContent('No such queue.')
    expect(currentLocation()).toBe('/schedules/new')
  })

  it('says when the tenant has too many schedules', async () => {
    stub(() => problemResponse({ status: 409, title: 'Too many schedules.', detail: "Tenant 'dev' has 100 schedules, its maximum." }))
    open()

    await screen.findByLabelText('Name')
    change('Name', 'one more')
    change('Cron expression', '@daily')
    fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }))

    expect(await screen.findByRole('alert')).toHaveTextContent("Too many schedules. Tenant 'dev' has 100 schedules, its maximum.")
  })
})
