import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { makeProgress } from '../test/factories'
import { TaskProgressBar } from './TaskProgressBar'

describe('TaskProgressBar', () => {
  it('sizes each segment by its share of all tasks', () => {
    render(<TaskProgressBar progress={makeProgress({ total: 200, done: 144, succeeded: 140, failed: 4, running: 6 })} />)

    expect(screen.getByLabelText('140 succeeded')).toHaveStyle({ width: '70%' })
    expect(screen.getByLabelText('4 failed')).toHaveStyle({ width: '2%' })
    expect(screen.getByLabelText('6 running')).toHaveStyle({ width: '3%' })
  })

  it('colours segments by task status', () => {
    render(<TaskProgressBar progress={makeProgress({ total: 4, done: 3, succeeded: 1, failed: 1, cancelled: 1, running: 1 })} />)

    expect(screen.getByLabelText('1 succeeded')).toHaveClass('progress__segment--succeeded')
    expect(screen.getByLabelText('1 failed')).toHaveClass('progress__segment--failed')
    expect(screen.getByLabelText('1 cancelled')).toHaveClass('progress__segment--cancelled')
    expect(screen.getByLabelText('1 running')).toHaveClass('progress__segment--running')
  })

  it('says how many tasks are done of the total', () => {
    render(<TaskProgressBar progress={makeProgress({ total: 200, done: 144, succeeded: 140, failed: 4 })} />)

    expect(screen.getByText('144 of 200 done')).toBeInTheDocument()
    const bar = screen.getByRole('progressbar')
    expect(bar).toHaveAttribute('aria-valuenow', '144')
    expect(bar).toHaveAttribute('aria-valuemax', '200')
  })

  it('groups thousands', () => {
    render(<TaskProgressBar progress={makeProgress({ total: 10_000, done: 9_710, succeeded: 9_700, failed: 10 })} />)

    expect(screen.getByText('9,710 of 10,000 done')).toBeInTheDocument()
    expect(screen.getByLabelText('9,700 succeeded')).toBeInTheDocument()
  })

  it('leaves out segments with no tasks, so only the grey track shows for a job not started', () => {
    render(<TaskProgressBar progress={makeProgress({ total: 50 })} />)

    expect(screen.getByRole('progressbar').children).toHaveLength(0)
    expect(screen.getByText('0 of 50 done')).toBeInTheDocument()
  })

  it('draws nothing rather than NaN widths when a job has no tasks', () => {
    render(<TaskProgressBar progress={makeProgress({ total: 0, running: 0 })} />)

    expect(screen.getByText('0 of 0 done')).toBeInTheDocument()
    expect(screen.getByRole('progressbar').innerHTML).not.toContain('NaN')
  })
})
