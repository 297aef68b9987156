import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { ApiError, ValidationError } from '../services/api'
import type { SchedulePreview, ScheduleRequestWire } from '../services/schedules'
import { TASK_TYPES } from '../test/factories'
import { browserTimeZone, ScheduleForm, type ScheduleFormProps, toScheduleFieldErrors } from './ScheduleForm'

const NO_PREVIEW: SchedulePreview = { errors: {}, loading: false }

function renderForm(props: Partial<ScheduleFormProps> = {}) {
  const onSubmit = vi.fn<(request: ScheduleRequestWire) => void>()
  const onExpressionChange = vi.fn()
  const view = render(
    <ScheduleForm
      types={TASK_TYPES}
      errors={{}}
      submitting={false}
      submitLabel="Create schedule"
      preview={NO_PREVIEW}
      onExpressionChange={onExpressionChange}
      onSubmit={onSubmit}
      {...props}
    />,
  )
  return { onSubmit, onExpressionChange, ...view }
}

const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } })
const save = () => fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }))

describe('ScheduleForm', () => {
  it("labels every field, starting in the browser's zone with the default policies", () => {
    renderForm()

    expect(screen.getByLabelText('Name')).toHaveValue('')
    expect(screen.getByLabelText('Cron expression')).toHaveValue('')
    expect(screen.getByLabelText('Time zone')).toHaveValue(browserTimeZone())
    expect(screen.getByLabelText('Overlap')).toHaveValue('skip')
    expect(screen.getByLabelText('Overlap')).toHaveAccessibleDescription(/skipped while the previous job is unfinished/)
    expect(screen.getByLabelText('Catch-up')).toHaveValue('skip')
    expect(screen.getByLabelText('Paused')).not.toBeChecked()
    expect(screen.getByLabelText('Task type')).toHaveValue('noop')
    expect(screen.getByLabelText('Task count')).toHaveValue(1)
    expect(screen.getByLabelText('Priority')).toHaveValue('normal')
    expect(screen.getByLabelText('Parameters (JSON)')).toHaveValue('')
  })

  it('explains the overlap and catch-up policy chosen', () => {
    renderForm()

    change('Overlap', 'allow')
    change('Catch-up', 'once')

    expect(screen.getByLabelText('Overlap')).toHaveAccessibleDescription(/every fire time submits a job/)
    expect(screen.getByLabelText('Catch-up')).toHaveAccessibleDescription(/one job is submitted at once/)
  })

  it('reports the expression and zone as they are typed', () => {
    const { onExpressionChange } = renderForm()

    change('Cron expression', '@daily')
    change('Time zone', 'Asia/Tokyo')

    expect(onExpressionChange).toHaveBeenLastCalledWith('@daily', 'Asia/Tokyo')
  })

  it('sends the schedule and its job as entered', () => {
    const { onSubmit } = renderForm()
    change('Name', ' every two seconds ')
    change('Cron expression', '*/2 * * * * *')
    change('Time zone', 'Europe/Berlin')
    change('Overlap', 'allow')
    fireEvent.click(screen.getByLabelText('Paused'))
    change('Task type', 'sleep')
    change('Task count', '3')
    change('Priority', 'high')
    change('Parameters (JSON)', '{"ms": 20}')

    save()

    expect(onSubmit).toHaveBeenCalledWith({
      name: 'every two seconds',
      cron: '*/2 * * * * *',
      timeZone: 'Europe/Berlin',
      overlap: 'allow',
      catchUp: 'skip',
      paused: true,
      job: { type: 'sleep', taskCount: 3, priority: 'high', parameters: { ms: 20 } },
    })
  })

  it('refuses parameters that are not a JSON object, without sending', () => {
    const { onSubmit } = renderForm()
    change('Parameters (JSON)', '{"ms": ')

    save()

    expect(onSubmit).not.toHaveBeenCalled()
    expect(screen.getByLabelText('Parameters (JSON)')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('Parameters (JSON)')).toHaveAccessibleDescription(/must be a JSON object/)
  })

  it('starts an edit from the schedule, keeping the job settings it does not show', () => {
    const initial: ScheduleRequestWire = {
      name: 'nightly',
      cron: '0 3 * * *',
      timeZone: 'America/New_York',
      overlap: 'cancel-previous',
      catchUp: 'once',
      paused: true,
      job: { type: 'sleep', taskCount: 5, priority: 'low', parameters: { ms: 5 }, maxAttempts: 2, queue: 'nightly' },
    }
    const { onSubmit } = renderForm({ initial, submitLabel: 'Save changes' })

    expect(screen.getByLabelText('Time zone')).toHaveValue('America/New_York')
    expect(screen.getByLabelText('Paused')).toBeChecked()
    fireEvent.click(screen.getByRole('button', { name: 'Save changes' }))

    expect(onSubmit).toHaveBeenCalledWith(initial)
  })

  it('shows the preview of the next fire times in the chosen zone', () => {
    renderForm({ preview: { fireTimes: ['2026-12-06T18:10:00+01:00'], timeZone: 'Europe/Berlin', errors: {}, loading: false } })

    const list = screen.getByRole('list', { name: 'Preview of the next fire times' })
    expect(within(list).getByRole('listitem')).toHaveTextContent('Sun, Dec 6, 2026, 18:10:00 GMT+01:00')
  })

  it("shows the preview's word on a bad expression next to it, and still saves", () => {
    const { onSubmit } = renderForm({ preview: { errors: { cron: "'61 * * * *' is not a cron expression." }, loading: false } })

    expect(screen.getByLabelText('Cron expression')).toHaveAccessibleDescription(expect.stringContaining("'61 * * * *' is not a cron expression."))
    save()

    expect(onSubmit).toHaveBeenCalled()
  })

  it("shows the Api's errors next to their fields, job fields included", () => {
    renderForm({ errors: { timeZone: 'Unknown time zone.', 'job.taskCount': 'Too many.', 'job.parameters': 'ms is too big.', '': 'The schedule is not valid.' } })

    expect(screen.getByLabelText('Time zone')).toHaveAccessibleDescription(expect.stringContaining('Unknown time zone.'))
    expect(screen.getByLabelText('Task count')).toHaveAccessibleDescription(expect.stringContaining('Too many.'))
    expect(screen.getByLabelText('Parameters (JSON)')).toHaveAccessibleDescription(expect.stringContaining('ms is too big.'))
    expect(screen.getByRole('alert')).toHaveTextContent('The schedule is not valid.')
  })
})

describe('toScheduleFieldErrors', () => {
  it("puts each of the Api's errors on its field, a parameter's on the parameters, the rest above", () => {
    const error = new ValidationError({
      status: 400,
      title: 'The schedule is not valid.',
      errors: { Cron: ['Bad cron.'], 'job.type': ['Unknown type.'], 'job.parameters.ms': ['Too long.'], 'job.queue': ['Unknown queue.'] },
    })

    expect(toScheduleFieldErrors(error)).toEqual({
      cron: 'Bad cron.',
      'job.type': 'Unknown type.',
      'job.parameters': 'Too long.',
      '': 'Unknown queue.',
    })
  })

  it('says what to fix when every error has its field', () => {
    const error = new ValidationError({ status: 400, title: 'The schedule is not valid.', errors: { name: ['name is required.'] } })

    expect(toScheduleFieldErrors(error)['']).toBe('The schedule is not valid. Fix the fields marked below.')
  })

  it('puts any other refusal above the form', () => {
    expect(toScheduleFieldErrors(new ApiError({ status: 409, title: 'Too many schedules.', detail: 'The tenant has 100.' }))).toEqual({
      '': 'Too many schedules. The tenant has 100.',
    })
  })
})
