import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { toJob } from '../services/jobs'
import { makeCounts, makeJobWire } from '../test/factories'
import { JobActions } from './JobActions'

const noop = () => Promise.resolve()

describe('JobActions', () => {
  it('offers only Cancel job while the job runs', () => {
    render(<JobActions job={toJob(makeJobWire({ status: 'running' }))} onCancel={noop} onRetry={noop} />)

    expect(screen.getByRole('button', { name: 'Cancel job' })).toBeInTheDocument()
    expect(screen.queryByRole('button', { name: 'Retry failed tasks' })).not.toBeInTheDocument()
  })

  it('offers only Retry failed tasks once finished with tasks to retry', () => {
    const job = toJob(makeJobWire({ status: 'failed', counts: makeCounts({ succeeded: 7, failed: 2, deadLettered: 1 }) }))
    render(<JobActions job={job} onCancel={noop} onRetry={noop} />)

    expect(screen.queryByRole('button', { name: 'Cancel job' })).not.toBeInTheDocument()
    fireEvent.click(screen.getByRole('button', { name: 'Retry failed tasks' }))
    expect(screen.getByRole('dialog')).toHaveTextContent('Run the 3 tasks of')
  })

  it('offers nothing once every task succeeded', () => {
    const { container } = render(
      <JobActions job={toJob(makeJobWire({ status: 'completed', counts: makeCounts({ succeeded: 10 }) }))} onCancel={noop} onRetry={noop} />,
    )
    expect(container).toBeEmptyDOMElement()
  })

  it('cancels only after Yes, cancel job', () => {
    const onCancel = vi.fn().mockResolvedValue(undefined)
    render(<JobActions job={toJob(makeJobWire({ status: 'running', name: 'demo' }))} onCancel={onCancel} onRetry={noop} />)

    fireEvent.click(screen.getByRole('button', { name: 'Cancel job' }))
    expect(screen.getByRole('dialog')).toHaveTextContent('Cancel demo?')
    expect(onCancel).not.toHaveBeenCalled()
    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel job' }))
    expect(onCancel).toHaveBeenCalledTimes(1)
  })
})
