import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { ApiError, ValidationError } from '../services/api'
import { DEFAULT_JOB_PRIORITY, JOB_PRIORITIES, type JobPriority, type SubmitJobWire } from '../services/jobs'
import { acceptsAnyFields, formatParameterValue, parameterFieldsOf, parseParameterValue, type ParameterField, type TaskTypeWire } from '../services/taskTypes'

/** Messages keyed by the Api's field names (taskCount, parameters.ms, ...); "" for the form as a whole. */
export type FieldErrors = Record<string, string>

/** The form's own fields, as the Api names them. */
export const FORM_FIELDS = ['type', 'taskCount', 'priority', 'maxAttempts', 'failureThreshold', 'timeoutSeconds', 'queue', 'name'] as const
type FormField = (typeof FORM_FIELDS)[number]
type WholeNumberField = Exclude<FormField, 'type' | 'priority' | 'queue' | 'name'>

/** The field a type that takes any parameters (echo), or whose schema has no fields to show, gets: a JSON object. */
export const PARAMETERS_JSON_FIELD = 'parameters'

/**
 * Reads a failed submission into one message per field, for the fields the form shows, and puts
 * the rest under "" to show above the form. Field names match without regard to case, so
 * "TaskCount" lands on taskCount too.
 */
export function toFieldErrors(error: unknown, fields: readonly string[]): FieldErrors {
  if (error instanceof ValidationError) {
    const known = new Map(fields.map((field) => [field.toLowerCase(), field]))
    const result: FieldErrors = {}
    for (const [key, messages] of Object.entries(error.errors)) {
      const field = known.get(key.toLowerCase()) ?? (key.toLowerCase().startsWith('parameters.') ? known.get(PARAMETERS_JSON_FIELD) : undefined) ?? ''
      result[field] = [result[field], ...messages].filter(Boolean).join(' ')
    }
    if (result[''] === undefined) {
      result[''] = `${error.title} Fix the fields marked below.`
    }
    return result
  }
  if (error instanceof ApiError) {
    return { '': [error.title, error.detail].filter(Boolean).join(' ') }
  }
  return { '': error instanceof Error ? error.message : String(error) }
}

/** How a type's parameters are asked for: one field each, and a JSON object when they cannot all be fields. */
function parametersOf(type: TaskTypeWire | undefined): { fields: ParameterField[]; json: boolean } {
  if (type === undefined) {
    return { fields: [], json: false }
  }
  const fields = parameterFieldsOf(type)
  return { fields: fields ?? [], json: fields === null }
}

/** The fields a type's form shows, under the names the Api uses for their errors. */
export function fieldsOf(type: TaskTypeWire | undefined): string[] {
  const { fields, json } = parametersOf(type)
  return [...FORM_FIELDS, ...fields.map((p) => `parameters.${p.name}`), ...(json ? [PARAMETERS_JSON_FIELD] : [])]
}

export interface JobFormProps {
  types: TaskTypeWire[]
  /** The Api's answer to the last submission, by field. */
  errors: FieldErrors
  submitting: boolean
  onSubmit: (job: SubmitJobWire) => void
}

const DEFAULT_TYPE = 'sleep'

/** What each parameter's field holds at first: a checkbox its yes or no, any other field its text. */
const defaultsOf = (type: TaskTypeWire | undefined): Record<string, string | boolean> =>
  Object.fromEntries(parametersOf(type).fields.map((p) => [p.name, p.kind === 'boolean' ? p.default === true : formatParameterValue(p.default)]))

/** An example of what a list field takes. */
const LIST_PLACEHOLDERS: Partial<Record<ParameterField['kind'], string>> = {
  integerArray: 'e.g. 1, 2',
  numberArray: 'e.g. 0.5, 2',
  stringArray: 'e.g. red, green',
}

const WHOLE_NUMBER_LABELS: Record<WholeNumberField, string> = {
  taskCount: 'Task count',
  maxAttempts: 'Max attempts',
  failureThreshold: 'Failure threshold',
  timeoutSeconds: 'Timeout (seconds)',
}

/** The priorities to choose from, most urgent first. */
const PRIORITY_OPTIONS: Record<JobPriority, string> = {
  critical: 'Critical',
  high: 'High',
  normal: 'Normal (default)',
  low: 'Low',
}

/**
 * A job: its task type with that type's own parameters (defaults and help from the Api, or from the
 * input schema a worker registered), the task count, priority, max attempts, failure threshold,
 * timeout and name. What cannot be read as a number, and a required parameter left empty, is marked
 * here; everything else (ranges, limits) the Api checks and names, next to the field.
 */
export function JobForm({ types, errors, submitting, onSubmit }: JobFormProps) {
  const idPrefix = useId()
  const [typeName, setTypeName] = useState(() => (types.some((t) => t.name === DEFAULT_TYPE) ? DEFAULT_TYPE : (types[0]?.name ?? '')))
  const type = types.find((t) => t.name === typeName)
  const { fields: parameterFields, json: takesJson } = parametersOf(type)
  const [parameters, setParameters] = useState<Record<string, string | boolean>>(() => defaultsOf(type))
  const [parametersJson, setParametersJson] = useState('')
  const [values, setValues] = useState<Record<FormField, string>>({
    type: '',
    taskCount: '10',
    priority: DEFAULT_JOB_PRIORITY,
    maxAttempts: '',
    failureThreshold: '0',
    timeoutSeconds: '',
    queue: '',
    name: '',
  })
  const [localErrors, setLocalErrors] = useState<FieldErrors>({})
  const form = useRef<HTMLFormElement>(null)

  const shown: FieldErrors = { ...errors, ...localErrors }

  // After a refused submission, take the keyboard to the first field that needs fixing.
  useEffect(() => {
    const first = form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')
    first?.focus()
  }, [errors])

  const id = (field: string) => `${idPrefix}${field}`
  const describedBy = (field: string, hasHelp: boolean, hasNote: boolean) =>
    [shown[field] ? `${field}-error` : '', hasHelp ? `${id(field)}-help` : '', hasNote ? `${id(field)}-note` : ''].filter(Boolean).join(' ') ||
    undefined

  const field = (name: string, label: string, input: (props: FieldInputProps) => ReactNode, help?: string, note?: string) => (
    <div className="field" key={name}>
      <label htmlFor={id(name)}>{label}</label>
      {input({
        id: id(name),
        name,
        'aria-describedby': describedBy(name, Boolean(help), Boolean(note)),
        'aria-invalid': shown[name] ? true : undefined,
      })}
      {help && (
        <p className="field__help" id={`${id(name)}-help`}>
          {help}
        </p>
      )}
      {note && (
        <p className="field__help field__note" id={`${id(name)}-note`}>
          {note}
        </p>
      )}
      {shown[name] && (
        <p className="field__error" id={`${name}-error`}>
          {shown[name]}
        </p>
      )}
    </div>
  )

  const wholeNumber = (name: WholeNumberField, min: number, max: number | undefined, help: string) =>
    field(name, WHOLE_NUMBER_LABELS[name], (props) => (
      <input
        {...props}
        type="number"
        inputMode="numeric"
        min={min}
        max={max}
        step={1}
        value={values[name]}
        onChange={(e) => setValues({ ...values, [name]: e.target.value })}
      />
    ), help)

  /** A checkbox for yes or no, a number field with its range, text for text and for lists. */
  const parameterInput = (parameter: ParameterField, props: FieldInputProps) => {
    const value = parameters[parameter.name]
    const text = typeof value === 'string' ? value : ''
    const set = (next: string | boolean) => setParameters({ ...parameters, [parameter.name]: next })
    switch (parameter.kind) {
      case 'boolean':
        return <input {...props} type="checkbox" checked={value === true} onChange={(e) => set(e.target.checked)} />
      case 'integer':
      case 'number':
        return (
          <input
            {...props}
            type="number"
            inputMode={parameter.kind === 'integer' ? 'numeric' : 'decimal'}
            min={parameter.min ?? undefined}
            max={parameter.max ?? undefined}
            step={parameter.kind === 'integer' ? 1 : 'any'}
            required={parameter.required}
            value={text}
            onChange={(e) => set(e.target.value)}
          />
        )
      default:
        return (
          <input
            {...props}
            type="text"
            placeholder={LIST_PLACEHOLDERS[parameter.kind]}
            required={parameter.required}
            value={text}
            onChange={(e) => set(e.target.value)}
          />
        )
    }
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const found: FieldErrors = {}
    const number = (name: WholeNumberField): number | undefined => {
      const text = values[name].trim()
      if (text === '') {
        return undefined
      }
      const n = Number(text)
      if (!Number.isInteger(n)) {
        found[name] = `${WHOLE_NUMBER_LABELS[name]} must be a whole number.`
      }
      return n
    }
    const job: SubmitJobWire = {
      type: typeName,
      taskCount: number('taskCount'),
      priority: values.priority,
      maxAttempts: number('maxAttempts'),
      failureThreshold: number('failureThreshold'),
      timeoutSeconds: number('timeoutSeconds'),
      queue: values.queue.trim() || undefined,
      name: values.name.trim() || undefined,
    }
    const chosen: Record<string, unknown> = {}
    for (const parameter of parameterFields) {
      const parsed = parseParameterValue(parameter, parameters[parameter.name] ?? '')
      if ('error' in parsed) {
        found[`parameters.${parameter.name}`] = parsed.error
      } else if (parsed.value !== undefined) {
        chosen[parameter.name] = parsed.value
      } else if (parameter.required) {
        found[`parameters.${parameter.name}`] = `${parameter.name} is required.`
      }
    }
    if (takesJson && parametersJson.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(parametersJson)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new SyntaxError('not an object')
        }
        Object.assign(chosen, parsed)
      } catch {
        found[PARAMETERS_JSON_FIELD] = 'Parameters must be a JSON object, e.g. {"greeting": "hello"}.'
      }
    }
    setLocalErrors(found)
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
      return
    }
    if (Object.keys(chosen).length > 0) {
      job.parameters = chosen
    }
    onSubmit(job)
  }

  return (
    <form ref={form} className="job-form" onSubmit={submit} noValidate aria-busy={submitting}>
      {shown[''] && (
        <p className="notice notice--error form-error" role="alert">
          {shown['']}
        </p>
      )}
      {field('type', 'Task type', (props) => (
        <select
          {...props}
          value={typeName}
          onChange={(e) => {
            const next = types.find((t) => t.name === e.target.value)
            setTypeName(e.target.value)
            setParameters(defaultsOf(next))
            setLocalErrors({})
          }}
        >
          {types.map((t) => (
            <option key={t.name} value={t.name}>
              {t.served ? t.name : `${t.name} (no live worker)`}
            </option>
          ))}
        </select>
      ), type?.description, type?.served === false ? `No live worker runs ${typeName} now: the job will wait until one starts.` : undefined)}
      {parameterFields.length > 0 && (
        <fieldset className="job-form__parameters">
          <legend>Parameters of {typeName}</legend>
          {parameterFields.map((parameter) => field(`parameters.${parameter.name}`, parameter.name, (props) => parameterInput(parameter, props), parameter.help))}
        </fieldset>
      )}
      {takesJson &&
        field(PARAMETERS_JSON_FIELD, 'Parameters (JSON)', (props) => (
          <textarea
            {...props}
            rows={3}
            spellCheck={false}
            value={parametersJson}
            placeholder={type && acceptsAnyFields(type) ? '{"greeting": "hello"}' : undefined}
            onChange={(e) => setParametersJson(e.target.value)}
          />
        ), type && acceptsAnyFields(type)
          ? `Optional: any JSON object; ${typeName} accepts any parameters.`
          : `${typeName}'s parameters as a JSON object: its input schema has parameters this form cannot show as fields.`)}
      {wholeNumber('taskCount', 1, 100_000, 'How many tasks to run, 1 to 100,000.')}
      {field('priority', 'Priority', (props) => (
        <select {...props} value={values.priority} onChange={(e) => setValues({ ...values, priority: e.target.value })}>
          {JOB_PRIORITIES.map((priority) => (
            <option key={priority} value={priority}>
              {PRIORITY_OPTIONS[priority]}
            </option>
          ))}
        </select>
      ), 'Higher priorities start first while the workers are busy; low still progresses.')}
      {wholeNumber('maxAttempts', 1, 25, `How many times a task may run before it fails for good, 1 to 25. Empty: ${type?.maxAttempts ?? 3}, what ${typeName || 'the type'} is registered with.`)}
      {wholeNumber('failureThreshold', 0, undefined, 'How many tasks may fail for good before the job fails and its other tasks are cancelled. Defaults to 0.')}
      {wholeNumber('timeoutSeconds', 1, 43_200, 'Optional: how long one attempt may run before it is stopped and counted as failed.')}
      {field('queue', 'Queue', (props) => (
        <input
          {...props}
          type="text"
          maxLength={40}
          autoComplete="off"
          spellCheck={false}
          value={values.queue}
          placeholder={type?.queue ?? 'default'}
          onChange={(e) => setValues({ ...values, queue: e.target.value })}
        />
      ), `Optional: the queue the tasks travel on; only workers that serve it receive them. Empty: ${type?.queue ?? 'default'}, ${typeName || 'the type'}'s own.`)}
      {field('name', 'Name', (props) => (
        <input {...props} type="text" maxLength={200} autoComplete="off" value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />
      ), 'Optional: a label for people. Defaults to the task type.')}
      <div className="job-form__actions">
        <button type="submit" className="primary" disabled={submitting}>
          Submit job
        </button>
        {submitting && <span role="status">Submitting…</span>}
      </div>
    </form>
  )
}

interface FieldInputProps {
  id: string
  name: string
  'aria-describedby': string | undefined
  'aria-invalid': true | undefined
}
