import { isFinished, type Job, retryableTaskCount } from '../services/jobs'
import { ConfirmButton } from './ConfirmButton'

export interface JobActionsProps {
  job: Job
  onCancel: () => Promise<unknown>
  onRetry: () => Promise<unknown>
}

/**
 * Cancel job while the job is unfinished; Retry failed tasks once it has finished with failed,
 * dead-lettered or cancelled tasks. Each asks first.
 */
export function JobActions({ job, onCancel, onRetry }: JobActionsProps) {
  const finished = isFinished(job)
  const retryable = retryableTaskCount(job)
  if (finished && retryable === 0) {
    return null
  }
  return (
    <div className="job-actions">
      {!finished && (
        <ConfirmButton
          label="Cancel job"
          question={`Cancel ${job.name}? Tasks that have not started are cancelled, and running ones are told to stop.`}
          confirmLabel="Yes, cancel job"
          onConfirm={onCancel}
        />
      )}
      {finished && retryable > 0 && (
        <ConfirmButton
          label="Retry failed tasks"
          question={`Run the ${retryable === 1 ? 'task' : `${retryable.toLocaleString('en-US')} tasks`} of ${job.name} that failed, were dead-lettered or were cancelled again?`}
          confirmLabel="Yes, retry"
          onConfirm={onRetry}
        />
      )}
    </div>
  )
}
