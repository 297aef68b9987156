import { fireEvent, render, screen, within } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { ApiError, ValidationError } from '../services/api'
import type { TaskTypeWire } from '../services/taskTypes'
import { TASK_TYPES } from '../test/factories'
import { fieldsOf, JobForm, type JobFormProps, toFieldErrors } from './JobForm'

function renderForm(props: Partial<JobFormProps> = {}) {
  const onSubmit = vi.fn()
  render(<JobForm types={TASK_TYPES} errors={{}} submitting={false} onSubmit={onSubmit} {...props} />)
  return onSubmit
}

const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Submit job' }))
const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } })

describe('JobForm', () => {
  it('labels every field, starting on sleep with its defaults and help', () => {
    renderForm()

    expect(screen.getByLabelText('Task type')).toHaveValue('sleep')
    expect(screen.getByLabelText('ms')).toHaveValue(100)
    expect(screen.getByLabelText('ms')).toHaveAccessibleDescription('How long each task sleeps, in milliseconds. A whole number from 0 to 600000. Defaults to 100.')
    expect(screen.getByLabelText('Task count')).toHaveValue(10)
    expect(screen.getByLabelText('Priority')).toHaveValue('normal')
    // Empty: the type's registered attempts apply (the help says how many).
    expect(screen.getByLabelText('Max attempts')).toHaveValue(null)
    expect(screen.getByLabelText('Max attempts')).toHaveAccessibleDescription(/Empty: 3, what sleep is registered with/)
    expect(screen.getByLabelText('Failure threshold')).toHaveValue(0)
    expect(screen.getByLabelText('Timeout (seconds)')).toHaveValue(null)
    expect(screen.getByLabelText('Name')).toHaveValue('')
  })

  it("shows each type's own parameters when the type changes", () => {
    renderForm()

    change('Task type', 'fail')

    expect(screen.queryByLabelText('ms')).not.toBeInTheDocument()
    expect(screen.getByLabelText('probability')).toHaveValue(0)
    expect(screen.getByLabelText('failOnAttempts')).toHaveValue('')
    expect(screen.getByRole('group', { name: 'Parameters of fail' })).toBeInTheDocument()
  })

  it('submits what was entered, leaving empty optional fields to the Api', () => {
    const onSubmit = renderForm()
    change('ms', '20')
    change('Task count', '30')
    change('Name', '  nightly  ')

    submit()

    expect(onSubmit).toHaveBeenCalledWith({
      type: 'sleep',
      taskCount: 30,
      priority: 'normal',
      maxAttempts: undefined,
      failureThreshold: 0,
      timeoutSeconds: undefined,
      queue: undefined,
      name: 'nightly',
      parameters: { ms: 20 },
    })
  })

  it("offers the type's own queue by default, and submits a queue named", () => {
    const onSubmit = renderForm()
    expect(screen.getByLabelText('Queue')).toHaveValue('')
    expect(screen.getByLabelText('Queue')).toHaveAccessibleDescription(/Empty: default, sleep's own/)
    change('Task type', 'thumbnail')
    expect(screen.getByLabelText('Queue')).toHaveAttribute('placeholder', 'images')

    change('Task type', 'sleep')
    change('Queue', ' text ')
    submit()

    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ type: 'sleep', queue: 'text' })
  })

  it('offers the priorities most urgent first, Normal by default, with a hint', () => {
    renderForm()

    const priority = screen.getByLabelText('Priority')
    expect(within(priority).getAllByRole('option').map((o) => [o.getAttribute('value'), o.textContent])).toEqual([
      ['critical', 'Critical'],
      ['high', 'High'],
      ['normal', 'Normal (default)'],
      ['low', 'Low'],
    ])
    expect(screen.getByRole('option', { name: 'Normal (default)', selected: true })).toBeInTheDocument()
    expect(priority).toHaveAccessibleDescription('Higher priorities start first while the workers are busy; low still progresses.')
  })

  it('submits the priority chosen', () => {
    const onSubmit = renderForm()
    change('Priority', 'critical')

    submit()

    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ type: 'sleep', priority: 'critical' })
  })

  it('keeps the labels the end-to-end tests look up unambiguous', () => {
    renderForm()

    // Playwright's GetByLabel matches any label containing the text, ignoring case.
    expect(screen.getAllByLabelText(/name/i)).toHaveLength(1)
    expect(screen.getAllByLabelText(/task count/i)).toHaveLength(1)
    expect(screen.getAllByLabelText(/priority/i)).toHaveLength(1)
  })

  it('reads a list parameter, and leaves out one left empty', () => {
    const onSubmit = renderForm()
    change('Task type', 'fail')
    change('failOnAttempts', '1, 2')
    change('probability', '')

    submit()

    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ type: 'fail', parameters: { failOnAttempts: [1, 2] } })
  })

  it('takes any JSON object for a type that accepts any parameters', () => {
    const onSubmit = renderForm()
    change('Task type', 'echo')
    change('Parameters (JSON)', '{"greeting": "hi"}')

    submit()

    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ type: 'echo', parameters: { greeting: 'hi' } })
  })

  it('marks a value that is not a number of the right kind without submitting', () => {
    const onSubmit = renderForm()
    change('Task type', 'fail')
    change('failOnAttempts', 'first')

    submit()

    expect(onSubmit).not.toHaveBeenCalled()
    const input = screen.getByLabelText('failOnAttempts')
    expect(input).toHaveAttribute('aria-invalid', 'true')
    expect(input).toHaveAccessibleDescription(expect.stringContaining('failOnAttempts must be whole numbers separated by commas'))
  })

  it("shows the Api's errors next to their fields, described by them, and the rest above the form", () => {
    renderForm({ errors: { taskCount: 'taskCount must be from 1 to 100,000; it was 0.', 'parameters.ms': 'ms is too long.', '': 'The job is not valid.' } })

    const taskCount = screen.getByLabelText('Task count')
    expect(taskCount.getAttribute('aria-describedby')).toMatch(/^taskCount-error /)
    expect(taskCount).toHaveAccessibleDescription(expect.stringContaining('taskCount must be from 1 to 100,000; it was 0.'))
    expect(document.getElementById('taskCount-error')).toHaveTextContent('taskCount must be from 1 to 100,000')
    expect(screen.getByLabelText('ms')).toHaveAccessibleDescription(expect.stringContaining('ms is too long.'))
    expect(screen.getByRole('alert')).toHaveTextContent('The job is not valid.')
    // The keyboard goes to the first field to fix.
    expect(document.activeElement).toBe(screen.getByLabelText('ms'))
  })

  it("shows the Api's priority error next to the priority", () => {
    renderForm({ errors: { priority: "Unknown priority 'urgent'. Use one of: critical, high, normal, low.", '': 'The job is not valid.' } })

    const priority = screen.getByLabelText('Priority')
    expect(priority).toHaveAttribute('aria-invalid', 'true')
    expect(priority.getAttribute('aria-describedby')).toMatch(/^priority-error /)
    expect(document.getElementById('priority-error')).toHaveTextContent("Unknown priority 'urgent'.")
    expect(document.activeElement).toBe(priority)
  })

  it("shows a registered type's fields from its input schema, with their help", () => {
    renderForm()

    change('Task type', 'digest')

    expect(screen.getByRole('group', { name: 'Parameters of digest' })).toBeInTheDocument()
    const text = screen.getByLabelText('text')
    expect(text).toHaveAttribute('type', 'text')
    expect(text).toBeRequired()
    expect(text).toHaveValue('')
    expect(text).toHaveAccessibleDescription('The text to digest. Required.')
    const rounds = screen.getByLabelText('rounds')
    expect(rounds).toHaveValue(1)
    expect(rounds).toHaveAttribute('min', '1')
    expect(rounds).toHaveAttribute('max', '1000')
    expect(rounds).toHaveAccessibleDescription('How many times SHA-256 is applied, each round to the previous digest. A whole number from 1 to 1000. Defaults to 1.')
    expect(screen.queryByLabelText('Parameters (JSON)')).not.toBeInTheDocument()
  })

  it("sends a registered type's parameters typed, leaving an empty optional one to the worker", () => {
    const onSubmit = renderForm()
    change('Task type', 'digest')
    change('text', 'hello')
    change('rounds', '5')

    submit()
    change('rounds', '')
    submit()

    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ type: 'digest', parameters: { text: 'hello', rounds: 5 } })
    expect(onSubmit.mock.calls[1]![0].parameters).toEqual({ text: 'hello' })
  })

  it('sends yes or no as a boolean and lists as arrays', () => {
    const tagged: TaskTypeWire = {
      ...TASK_TYPES.find((t) => t.name === 'digest')!,
      name: 'tagged',
      inputSchema: {
        type: 'object',
        properties: {
          verbose: { type: 'boolean', default: true },
          tags: { type: ['array', 'null'], items: { type: 'string' } },
          weights: { type: 'array', items: { type: ['string', 'number'] } },
        },
      },
    }
    const onSubmit = renderForm({ types: [...TASK_TYPES, tagged] })
    change('Task type', 'tagged')
    expect(screen.getByLabelText('verbose')).toBeChecked()

    fireEvent.click(screen.getByLabelText('verbose'))
    change('tags', 'red, green')
    change('weights', '0.5, 2')
    submit()

    expect(onSubmit.mock.calls[0]![0].parameters).toEqual({ verbose: false, tags: ['red', 'green'], weights: [0.5, 2] })
  })

  it('marks a required parameter left empty without submitting', () => {
    const onSubmit = renderForm()
    change('Task type', 'digest')

    submit()

    expect(onSubmit).not.toHaveBeenCalled()
    const text = screen.getByLabelText('text')
    expect(text).toHaveAttribute('aria-invalid', 'true')
    expect(text).toHaveAccessibleDescription(expect.stringContaining('text is required.'))
  })

  it('says when no live worker runs a type, under the type', () => {
    renderForm()

    expect(screen.getByRole('option', { name: 'thumbnail (no live worker)' })).toBeInTheDocument()
    expect(screen.getByRole('option', { name: 'digest' })).toBeInTheDocument()
    expect(screen.getByLabelText('Task type')).not.toHaveAccessibleDescription(expect.stringContaining('No live worker'))

    change('Task type', 'thumbnail')

    expect(screen.getByLabelText('Task type')).toHaveAccessibleDescription(
      'Makes a thumbnail of an image. No live worker runs thumbnail now: the job will wait until one starts.',
    )
  })

  it('asks for a JSON object when a registered schema cannot be shown as fields', () => {
    const onSubmit = renderForm()
    change('Task type', 'thumbnail')
    change('Parameters (JSON)', '{"url": "https://example.com/a.png", "size": {"width": 64}}')

    submit()

    expect(screen.queryByRole('group', { name: 'Parameters of thumbnail' })).not.toBeInTheDocument()
    expect(screen.getByLabelText('Parameters (JSON)')).toHaveAccessibleDescription(expect.stringContaining('cannot show as fields'))
    expect(onSubmit.mock.calls[0]![0]).toMatchObject({ type: 'thumbnail', parameters: { url: 'https://example.com/a.png', size: { width: 64 } } })
  })

  it('disables Submit job while submitting', () => {
    const onSubmit = renderForm({ submitting: true })

    expect(screen.getByRole('button', { name: 'Submit job' })).toBeDisabled()
    expect(screen.getByRole('status')).toHaveTextContent('Submitting')
    submit()
    expect(onSubmit).not.toHaveBeenCalled()
  })
})

describe('toFieldErrors', () => {
  const fields = fieldsOf(TASK_TYPES.find((t) => t.name === 'sleep'))

  it('puts each validation message next to its field, and unknown fields above the form', () => {
    const error = new ValidationError({
      title: 'The job is not valid.',
      errors: { TaskCount: ['taskCount must be from 1 to 100,000; it was 0.'], 'parameters.ms': ['ms must be a number.'], body: ['Broken.'] },
    })

    expect(toFieldErrors(error, fields)).toEqual({
      taskCount: 'taskCount must be from 1 to 100,000; it was 0.',
      'parameters.ms': 'ms must be a number.',
      '': 'Broken.',
    })
  })

  it('says to look below when every message has its field', () => {
    const error = new ValidationError({ title: 'The job is not valid.', errors: { taskCount: ['Too many.'] } })

    expect(toFieldErrors(error, fields)['']).toBe('The job is not valid. Fix the fields marked below.')
  })

  it('puts a priority message next to the priority', () => {
    const error = new ValidationError({ title: 'The job is not valid.', errors: { Priority: ["Unknown priority 'urgent'."] } })

    expect(toFieldErrors(error, fields)).toEqual({ priority: "Unknown priority 'urgent'.", '': 'The job is not valid. Fix the fields marked below.' })
  })

  it("puts an unknown parameter's message on the JSON field of a type that takes any", () => {
    const error = new ValidationError({ title: 'Invalid.', errors: { 'parameters.x': ['Too big.'] } })

    expect(toFieldErrors(error, fieldsOf(TASK_TYPES.find((t) => t.name === 'echo')))).toMatchObject({ parameters: 'Too big.' })
  })

  it("puts a registered type's parameter message next to its field", () => {
    const error = new ValidationError({ title: 'Invalid.', errors: { 'parameters.rounds': ['rounds must be from 1 to 1000.'] } })

    expect(toFieldErrors(error, fieldsOf(TASK_TYPES.find((t) => t.name === 'digest')))).toMatchObject({ 'parameters.rounds': 'rounds must be from 1 to 1000.' })
  })

  it('shows any other problem above the form', () => {
    expect(toFieldErrors(new ApiError({ title: 'The Api could not be reached.', detail: 'refused' }), fields)).toEqual({
      '': 'The Api could not be reached. refused',
    })
  })
})
