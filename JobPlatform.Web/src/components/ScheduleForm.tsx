import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { ApiError, ValidationError } from '../services/api'
import { DEFAULT_JOB_PRIORITY, JOB_PRIORITIES } from '../services/jobs'
import {
  CATCH_UP_POLICIES,
  DEFAULT_CATCH_UP,
  DEFAULT_OVERLAP,
  OVERLAP_POLICIES,
  type CatchUpPolicy,
  type OverlapPolicy,
  type SchedulePreview,
  type ScheduleRequestWire,
} from '../services/schedules'
import type { TaskTypeWire } from '../services/taskTypes'
import { FireTimesList } from './FireTimesList'

/** Messages keyed by the Api's field names (cron, job.taskCount, ...); "" for the form as a whole. */
export type ScheduleFieldErrors = Record<string, string>

/** The form's fields, as the Api names them in its errors. */
export const SCHEDULE_FORM_FIELDS = ['name', 'cron', 'timeZone', 'overlap', 'catchUp', 'paused', 'job.type', 'job.taskCount', 'job.priority', 'job.parameters'] as const

/**
 * Reads a refused save into one message per field of the form; a parameter's error
 * (job.parameters.ms) goes to the parameters, anything else under "" above the form.
 */
export function toScheduleFieldErrors(error: unknown): ScheduleFieldErrors {
  if (error instanceof ValidationError) {
    const known = new Map<string, string>(SCHEDULE_FORM_FIELDS.map((field) => [field.toLowerCase(), field]))
    const result: ScheduleFieldErrors = {}
    for (const [key, messages] of Object.entries(error.errors)) {
      const lower = key.toLowerCase()
      const field = known.get(lower) ?? (lower.startsWith('job.parameters.') ? 'job.parameters' : '')
      result[field] = [result[field], ...messages].filter(Boolean).join(' ')
    }
    result[''] ??= `${error.title} Fix the fields marked below.`
    return result
  }
  if (error instanceof ApiError) {
    return { '': [error.title, error.detail].filter(Boolean).join(' ') }
  }
  return { '': error instanceof Error ? error.message : String(error) }
}

/** Zones offered as the time zone is typed; any other IANA name is taken too. */
export const COMMON_TIME_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Amsterdam',
  'Europe/Warsaw',
  'Europe/Athens',
  'Europe/Helsinki',
  'Europe/Moscow',
  'Africa/Johannesburg',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/Sao_Paulo',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
]

/** The browser's own zone, which a new schedule starts in. */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'

const OVERLAP_HELP: Record<OverlapPolicy, string> = {
  skip: 'Skip: a fire time is skipped while the previous job is unfinished.',
  allow: 'Allow: every fire time submits a job, whether or not the previous one has finished.',
  'cancel-previous': 'Cancel previous: the unfinished previous job is cancelled, then the new one submitted.',
}

const CATCH_UP_HELP: Record<CatchUpPolicy, string> = {
  skip: 'Skip: fire times missed while the Api was down are not made up for.',
  once: 'Once: after missed fire times, one job is submitted at once for them all.',
}

const PRIORITY_LABELS: Record<string, string> = { critical: 'Critical', high: 'High', normal: 'Normal (default)', low: 'Low' }

export interface ScheduleFormProps {
  types: TaskTypeWire[]
  /** The schedule being edited; a new one starts empty, in the browser's zone. */
  initial?: ScheduleRequestWire
  /** The Api's answer to the last save, by field. */
  errors: ScheduleFieldErrors
  submitting: boolean
  submitLabel: string
  /** The next fire times of what is typed (or the Api's word on it); never holds the save back. */
  preview: SchedulePreview
  /** Called with the expression and zone as they are typed, and once at first. */
  onExpressionChange: (cron: string, timeZone: string) => void
  onSubmit: (request: ScheduleRequestWire) => void
  onCancel?: () => void
}

const DEFAULT_TYPE = 'noop'

/**
 * A schedule: its name, cron expression and zone (with the next fire times as they are typed),
 * overlap and catch-up policies, paused or not, and the job it submits. The parameters are a JSON
 * object checked here to parse; everything else the Api checks and names, next to the field.
 */
export function ScheduleForm({ types, initial, errors, submitting, submitLabel, preview, onExpressionChange, onSubmit, onCancel }: ScheduleFormProps) {
  const idPrefix = useId()
  const [values, setValues] = useState(() => ({
    name: initial?.name ?? '',
    cron: initial?.cron ?? '',
    timeZone: initial?.timeZone ?? browserTimeZone(),
    overlap: initial?.overlap ?? DEFAULT_OVERLAP,
    catchUp: initial?.catchUp ?? DEFAULT_CATCH_UP,
    type: initial?.job.type ?? (types.some((t) => t.name === DEFAULT_TYPE) ? DEFAULT_TYPE : (types[0]?.name ?? '')),
    taskCount: String(initial?.job.taskCount ?? 1),
    priority: initial?.job.priority ?? DEFAULT_JOB_PRIORITY,
    parameters: initial?.job.parameters && Object.keys(initial.job.parameters).length > 0 ? JSON.stringify(initial.job.parameters, null, 2) : '',
  }))
  const [paused, setPaused] = useState(initial?.paused ?? false)
  const [localErrors, setLocalErrors] = useState<ScheduleFieldErrors>({})
  const form = useRef<HTMLFormElement>(null)

  useEffect(() => onExpressionChange(values.cron, values.timeZone), [values.cron, values.timeZone])

  // After a refused save, take the keyboard to the first field that needs fixing.
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [errors])

  // The save's errors first; the preview's word on the expression until a save says otherwise.
  const { '': previewProblem, ...previewErrors } = preview.errors
  const shown: ScheduleFieldErrors = { ...previewErrors, ...errors, ...localErrors }
  const set = (field: keyof typeof values) => (value: string) => setValues((current) => ({ ...current, [field]: value }))
  const id = (field: string) => `${idPrefix}${field}`
  const errorId = (field: string) => `${field}-error`

  const field = (name: string, label: string, input: (props: FieldInputProps) => ReactNode, help?: ReactNode) => (
    <div className="field" key={name}>
      <label htmlFor={id(name)}>{label}</label>
      {input({
        id: id(name),
        name,
        'aria-describedby': [shown[name] ? errorId(name) : '', help ? `${id(name)}-help` : ''].filter(Boolean).join(' ') || undefined,
        'aria-invalid': shown[name] ? true : undefined,
      })}
      {help && (
        <p className="field__help" id={`${id(name)}-help`}>
          {help}
        </p>
      )}
      {shown[name] && (
        <p className="field__error" id={errorId(name)}>
          {shown[name]}
        </p>
      )}
    </div>
  )

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const found: ScheduleFieldErrors = {}
    const taskCount = Number(values.taskCount.trim())
    if (values.taskCount.trim() !== '' && !Number.isInteger(taskCount)) {
      found['job.taskCount'] = 'Task count must be a whole number.'
    }
    let parameters: Record<string, unknown> | undefined
    if (values.parameters.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(values.parameters)
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
          throw new SyntaxError('not an object')
        }
        parameters = parsed as Record<string, unknown>
      } catch {
        found['job.parameters'] = 'Parameters must be a JSON object, e.g. {"ms": 100}.'
      }
    }
    setLocalErrors(found)
    if (Object.keys(found).length > 0) {
      requestAnimationFrame(() => form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus())
      return
    }
    onSubmit({
      name: values.name.trim(),
      cron: values.cron.trim(),
      timeZone: values.timeZone.trim(),
      overlap: values.overlap,
      catchUp: values.catchUp,
      paused,
      // The job's other settings (max attempts, queue, ...) stay as they were.
      job: {
        ...initial?.job,
        type: values.type,
        taskCount: values.taskCount.trim() === '' ? undefined : taskCount,
        priority: values.priority,
        parameters,
      },
    })
  }

  const type = types.find((t) => t.name === values.type)

  return (
    <form ref={form} className="job-form schedule-form" onSubmit={submit} noValidate aria-busy={submitting}>
      {shown[''] && (
        <p className="notice notice--error form-error" role="alert">
          {shown['']}
        </p>
      )}
      {field('name', 'Name', (props) => (
        <input {...props} type="text" maxLength={200} autoComplete="off" required value={values.name} onChange={(e) => set('name')(e.target.value)} />
      ))}
      {field('cron', 'Cron expression', (props) => (
        <input
          {...props}
          type="text"
          autoComplete="off"
          spellCheck={false}
          required
          placeholder="0 3 * * *"
          value={values.cron}
          onChange={(e) => set('cron')(e.target.value)}
        />
      ), (
        <>
          Five fields (minute hour day month weekday), six with seconds first (<code>*/2 * * * * *</code>), or <code>@daily</code>,{' '}
          <code>@hourly</code>.
        </>
      ))}
      {field('timeZone', 'Time zone', (props) => (
        <>
          <input
            {...props}
            type="text"
            list={id('zones')}
            autoComplete="off"
            spellCheck={false}
            value={values.timeZone}
            onChange={(e) => set('timeZone')(e.target.value)}
          />
          <datalist id={id('zones')}>
            {COMMON_TIME_ZONES.map((zone) => (
              <option key={zone} value={zone} />
            ))}
          </datalist>
        </>
      ), 'An IANA name; the expression is read on its clock, summer time included.')}
      <section className="schedule-form__preview" aria-labelledby={id('preview')} aria-live="polite">
        <h3 id={id('preview')}>Next fire times</h3>
        {preview.fireTimes && preview.fireTimes.length > 0 ? (
          <FireTimesList fireTimes={preview.fireTimes} timeZone={preview.timeZone ?? values.timeZone} label="Preview of the next fire times" />
        ) : preview.fireTimes?.length === 0 ? (
          <p className="muted">The expression never fires.</p>
        ) : previewProblem ? (
          <p className="muted">No preview: {previewProblem}</p>
        ) : preview.loading ? (
          <p className="muted">Working them out…</p>
        ) : (
          values.cron.trim() === '' && <p className="muted">Type an expression to see when it fires.</p>
        )}
      </section>
      {field('overlap', 'Overlap', (props) => (
        <select {...props} value={values.overlap} onChange={(e) => set('overlap')(e.target.value)}>
          {OVERLAP_POLICIES.map((policy) => (
            <option key={policy} value={policy}>
              {policy}
            </option>
          ))}
        </select>
      ), OVERLAP_HELP[values.overlap])}
      {field('catchUp', 'Catch-up', (props) => (
        <select {...props} value={values.catchUp} onChange={(e) => set('catchUp')(e.target.value)}>
          {CATCH_UP_POLICIES.map((policy) => (
            <option key={policy} value={policy}>
              {policy}
            </option>
          ))}
        </select>
      ), CATCH_UP_HELP[values.catchUp])}
      {field('paused', 'Paused', (props) => (
        <input {...props} type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} />
      ), 'A paused schedule fires only when triggered by hand; resumed, it fires from its next fire time on.')}
      <fieldset className="job-form__parameters">
        <legend>Job</legend>
        {field('job.type', 'Task type', (props) => (
          <select {...props} value={values.type} onChange={(e) => set('type')(e.target.value)}>
            {/* A type no worker registers any more still shows, so an edit does not change it unasked. */}
            {!type && values.type && <option value={values.type}>{values.type} (not registered)</option>}
            {types.map((t) => (
              <option key={t.name} value={t.name}>
                {t.served ? t.name : `${t.name} (no live worker)`}
              </option>
            ))}
          </select>
        ), type?.description)}
        {field('job.taskCount', 'Task count', (props) => (
          <input {...props} type="number" inputMode="numeric" min={1} max={100_000} step={1} value={values.taskCount} onChange={(e) => set('taskCount')(e.target.value)} />
        ), 'How many tasks each job runs, 1 to 100,000.')}
        {field('job.priority', 'Priority', (props) => (
          <select {...props} value={values.priority} onChange={(e) => set('priority')(e.target.value)}>
            {JOB_PRIORITIES.map((priority) => (
              <option key={priority} value={priority}>
                {PRIORITY_LABELS[priority]}
              </option>
            ))}
          </select>
        ))}
        {field('job.parameters', 'Parameters (JSON)', (props) => (
          <textarea {...props} rows={3} spellCheck={false} placeholder='{"ms": 100}' value={values.parameters} onChange={(e) => set('parameters')(e.target.value)} />
        ), `Optional: ${values.type || 'the type'}'s parameters as a JSON object; empty takes its defaults.`)}
      </fieldset>
      <div className="job-form__actions">
        <button type="submit" className="primary" disabled={submitting}>
          {submitLabel}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel} disabled={submitting}>
            Cancel
          </button>
        )}
        {submitting && <span role="status">Saving…</span>}
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
