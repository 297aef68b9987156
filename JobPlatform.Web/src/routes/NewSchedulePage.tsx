import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useRef, useState } from 'react'
import { useNavigate } from 'react-router'
import { ApiErrorNotice } from '../components/ApiErrorNotice'
import { ScheduleForm, toScheduleFieldErrors, type ScheduleFieldErrors } from '../components/ScheduleForm'
import { describeApiError } from '../services/api'
import { POLL_INTERVAL_MS } from '../services/events'
import { createSchedule, scheduleKeys, useSchedulePreview, type ScheduleRequestWire } from '../services/schedules'
import { taskTypesQuery } from '../services/taskTypes'

/**
 * /schedules/new: the form for a schedule, with the next fire times shown as the expression is
 * typed. On success the schedule's page opens, already filled from the answer.
 */
export function NewSchedulePage() {
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const types = useQuery({
    ...taskTypesQuery,
    // Until the Api answers, ask every 2 s, so the form appears once it does.
    retry: false,
    refetchInterval: (query) => (query.state.status === 'error' ? POLL_INTERVAL_MS : false),
  })
  const [expression, setExpression] = useState({ cron: '', timeZone: '' })
  const preview = useSchedulePreview(expression.cron, expression.timeZone)
  const [errors, setErrors] = useState<ScheduleFieldErrors>({})
  const [submitting, setSubmitting] = useState(false)
  // The disabled button stops a second click only once React has re-rendered; this stops it at once.
  const inFlight = useRef(false)

  const submit = async (request: ScheduleRequestWire) => {
    if (inFlight.current) {
      return
    }
    inFlight.current = true
    setSubmitting(true)
    setErrors({})
    try {
      const created = await createSchedule(request)
      queryClient.setQueryData(scheduleKeys.detail(created.id), created)
      void queryClient.invalidateQueries({ queryKey: scheduleKeys.lists() })
      navigate(`/schedules/${created.id}`)
    } catch (error) {
      setErrors(toScheduleFieldErrors(error))
    } finally {
      inFlight.current = false
      setSubmitting(false)
    }
  }

  return (
    <>
      <title>New schedule · JobPlatform</title>
      <div className="page-heading">
        <h1>New schedule</h1>
        <p className="page-heading__meta">A schedule submits the same job at every fire time of its cron expression.</p>
      </div>
      {types.error && <ApiErrorNotice {...describeApiError(types.error, 'The task types could not be loaded')} />}
      {types.isPending && (
        <p className="state" role="status">
          Loading the task types…
        </p>
      )}
      {types.data && (
        <ScheduleForm
          types={types.data}
          errors={errors}
          submitting={submitting}
          submitLabel="Create schedule"
          preview={preview}
          onExpressionChange={(cron, timeZone) => setExpression({ cron, timeZone })}
          onSubmit={(request) => void submit(request)}
        />
      )}
    </>
  )
}
