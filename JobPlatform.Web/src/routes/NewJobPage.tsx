import { useQuery } from '@tanstack/react-query'
import { useState, type FormEvent } from 'react'
import { useNavigate } from 'react-router'
import { ApiError, ValidationError } from '../services/api'
import { submitJob, taskTypesQuery, type SubmitJob, type TaskTypeWire } from '../services/tasks'

/** Errors keyed by the Api's field names (taskCount, parameters.ms, ...); "" for the form as a whole. */
export type FieldErrors = Record<string, string>

/** The form's fields as the Api names them; errors on other keys are shown above the form. */
export const FORM_FIELDS = ['type', 'name', 'taskCount', 'maxAttempts', 'failureThreshold', 'timeoutSeconds'] as const

/** Reads a ValidationProblem into one message per field, and the rest under "". */
export function toFieldErrors(error: unknown, parameterNames: string[]): FieldErrors {
  if (error instanceof ValidationError) {
    const known = new Set<string>([...FORM_FIELDS, ...parameterNames.map((p) => `parameters.${p}`)])
    const result: FieldErrors = {}
    for (const [field, messages] of Object.entries(error.errors)) {
      const key = known.has(field) ? field : ''
      result[key] = [result[key], ...messages].filter(Boolean).join(' ')
    }
    return result
  }
  if (error instanceof ApiError) {
    return { '': [error.title, error.detail].filter(Boolean).join(' ') }
  }
  return { '': String(error) }
}

/** /jobs/new: a form for a job, with each task type's own parameters. */
export function NewJobPage() {
  const navigate = useNavigate()
  const types = useQuery(taskTypesQuery)
  // One key per opened form: a double click, or a retry after a lost answer, returns the same job.
  const [idempotencyKey] = useState(() => crypto.randomUUID())
  const [typeName, setTypeName] = useState('sleep')
  const [parameters, setParameters] = useState<Record<string, string>>({})
  const [errors, setErrors] = useState<FieldErrors>({})
  const [submitting, setSubmitting] = useState(false)

  const type: TaskTypeWire | undefined = types.data?.find((t) => t.name === typeName)

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const number = (field: string) => (form.get(field) === '' ? undefined : Number(form.get(field)))
    const job: SubmitJob = {
      type: typeName,
      name: (form.get('name') as string) || undefined,
      taskCount: number('taskCount') ?? 0,
      maxAttempts: number('maxAttempts'),
      failureThreshold: number('failureThreshold'),
      timeoutSeconds: number('timeoutSeconds'),
      parameters: Object.fromEntries(
        Object.entries(parameters)
          .filter(([, value]) => value.trim() !== '')
          .map(([name, value]) => [name, value.trim().startsWith('[') ? JSON.parse(value) : Number(value)]),
      ),
    }
    setSubmitting(true)
    setErrors({})
    try {
      const created = await submitJob(job, idempotencyKey)
      navigate(`/jobs/${created.id}`)
    } catch (error) {
      setErrors(toFieldErrors(error, type?.parameters.map((p) => p.name) ?? []))
      setSubmitting(false)
    }
  }

  const field = (name: string, label: string, input: React.ReactNode, help?: string) => (
    <div className="field">
      <label htmlFor={name}>{label}</label>
      {input}
      {help && <p className="field__help" id={`${name}-help`}>{help}</p>}
      {errors[name] && <p className="field__error" id={`${name}-error`} role="alert">{errors[name]}</p>}
    </div>
  )
  const describedBy = (name: string) => [errors[name] ? `${name}-error` : '', `${name}-help`].filter(Boolean).join(' ')

  return (
    <>
      <div className="page-heading"><h1>New job</h1></div>
      {errors[''] && <p className="error" role="alert">{errors['']}</p>}
      <form className="job-form" onSubmit={(e) => void onSubmit(e)} noValidate>
        {field('type', 'Task type',
          <select id="type" name="type" value={typeName} onChange={(e) => { setTypeName(e.target.value); setParameters({}) }} aria-describedby={describedBy('type')}>
            {(types.data ?? [{ name: 'sleep' } as TaskTypeWire]).map((t) => <option key={t.name} value={t.name}>{t.name}</option>)}
          </select>, type?.description)}
        {type?.parameters.map((p) => (
          <div key={p.name}>
            {field(`parameters.${p.name}`, p.name,
              <input id={`parameters.${p.name}`} name={`parameters.${p.name}`} inputMode="decimal"
                placeholder={p.default === null || p.default === undefined ? '' : JSON.stringify(p.default)}
                value={parameters[p.name] ?? ''} onChange={(e) => setParameters({ ...parameters, [p.name]: e.target.value })}
                aria-describedby={describedBy(`parameters.${p.name}`)} />,
              `${p.help} ${p.kind === 'integerArray' ? 'A JSON array, e.g. [1, 2].' : `From ${p.min} to ${p.max}.`}${p.default !== null && p.default !== undefined ? ` Defaults to ${JSON.stringify(p.default)}.` : ''}`)}
          </div>
        ))}
        {field('taskCount', 'Task count', <input id="taskCount" name="taskCount" type="number" min={1} max={100000} defaultValue={10} required aria-describedby={describedBy('taskCount')} />, 'How many tasks, 1 to 100,000.')}
        {field('maxAttempts', 'Max attempts', <input id="maxAttempts" name="maxAttempts" type="number" min={1} max={25} defaultValue={3} aria-describedby={describedBy('maxAttempts')} />, 'How often a task may run before it fails for good.')}
        {field('failureThreshold', 'Failure threshold', <input id="failureThreshold" name="failureThreshold" type="number" min={0} defaultValue={0} aria-describedby={describedBy('failureThreshold')} />, 'How many tasks may fail before the job fails.')}
        {field('timeoutSeconds', 'Timeout (seconds)', <input id="timeoutSeconds" name="timeoutSeconds" type="number" min={1} aria-describedby={describedBy('timeoutSeconds')} />, 'Optional: stop an attempt that runs longer.')}
        {field('name', 'Name', <input id="name" name="name" type="text" maxLength={200} aria-describedby={describedBy('name')} />, 'Optional; defaults to the task type.')}
        <button type="submit" disabled={submitting}>{submitting ? 'Submitting…' : 'Submit job'}</button>
      </form>
    </>
  )
}
