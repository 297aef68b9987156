import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { fieldsOf, JobForm, toFieldErrors, type FieldErrors } from '../components/JobForm'
import { ApiError, describeApiError } from '../services/api'
import { POLL_INTERVAL_MS } from '../services/events'
import { jobKeys, submitJob, type SubmitJobWire } from '../services/jobs'
import { taskTypesQuery } from '../services/taskTypes'

/**
 * /jobs/new: the form for a job. One idempotency key per opened form: a double click, or a retry
 * after an answer that got lost, returns the job the first request made instead of a second one.
 * On success the job's page opens, already filled from the answer.
 */
export function NewJobPage() {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const types = useQuery({
    ...taskTypesQuery,
    // Until the Api answers, ask every 2 s, so the form appears once it does.
    retry: false,
    refetchInterval: (query) => (query.state.status === 'error' ? POLL_INTERVAL_MS : false),
  })
  const [idempotencyKey, setIdempotencyKey] = useState(() => crypto.randomUUID())
  const [errors, setErrors] = useState<FieldErrors>({})
  const [submitting, setSubmitting] = useState(false)
  // The disabled button stops a second click only once React has re-rendered; this stops it at once.
  const inFlight = useRef(false)

  const submit = async (job: SubmitJobWire) => {
    if (inFlight.current) {
      return
    }
    inFlight.current = true
    setSubmitting(true)
    setErrors({})
    try {
      const created = await submitJob(job, idempotencyKey)
      queryClient.setQueryData(jobKeys.detail(created.id), created)
      void queryClient.invalidateQueries({ queryKey: jobKeys.lists() })
      navigate(`/jobs/${created.id}`)
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        // The key went with a different job before (its answer was lost, then the form changed):
        // this form now describes a new job, so it gets a new key.
        setIdempotencyKey(crypto.randomUUID())
        setErrors({ '': `${error.title} The form changed since that request; submit again to create a new job.` })
      } else {
        setErrors(toFieldErrors(error, fieldsOf(types.data?.find((t) => t.name === job.type))))
      }
    } finally {
      inFlight.current = false
      setSubmitting(false)
    }
  }

  return (
    <>
      <title>New job · JobPlatform</title>
      <div className="page-heading">
        <h1>New job</h1>
        <p className="page-heading__meta">Every task of a job runs the same task type with the same parameters.</p>
      </div>
      {types.error && <ApiErrorNotice {...describeApiError(types.error, 'The task types could not be loaded')} />}
      {types.isPending && (
        <p className="state" role="status">
          Loading the task types…
        </p>
      )}
      {types.data && <JobForm types={types.data} errors={errors} submitting={submitting} onSubmit={(job) => void submit(job)} />}
    </>
  )
}
