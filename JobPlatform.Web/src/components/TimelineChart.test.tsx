import { render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { makeTimelineItem } from '../test/factories'

// ECharts draws on a canvas jsdom does not have: stand in for the instance, keep the rest real.
const chart = vi.hoisted(() => ({
  setOption: vi.fn(),
  resize: vi.fn(),
  dispose: vi.fn(),
  init: vi.fn(),
}))
vi.mock('echarts/core', async (importOriginal) => ({
  ...(await importOriginal<typeof import('echarts/core')>()),
  init: chart.init.mockImplementation(() => ({ setOption: chart.setOption, resize: chart.resize, dispose: chart.dispose })),
}))

const { renderAttempt, TimelineChart } = await import('./TimelineChart')

const items = [
  makeTimelineItem({ taskIndex: 0, workerId: 'worker-1', startedAt: '2026-11-24T10:00:00Z', endedAt: '2026-11-24T10:00:01Z', outcome: 'succeeded' }),
  makeTimelineItem({ taskIndex: 1, workerId: 'worker-2', startedAt: '2026-11-24T10:00:00Z', endedAt: '2026-11-24T10:00:02Z', outcome: 'failed' }),
  makeTimelineItem({ taskIndex: 1, attempt: 2, workerId: 'worker-1', startedAt: '2026-11-24T10:00:03Z', endedAt: '2026-11-24T10:00:04Z', outcome: 'succeeded' }),
]

afterEach(() => vi.clearAllMocks())

describe('TimelineChart', () => {
  it('says what it shows in words, in the chart label and the caption', () => {
    render(<TimelineChart items={items} totalCount={3} />)

    expect(screen.getByTestId('timeline')).toHaveTextContent('3 attempts on 2 workers: 2 succeeded, 1 failed')
    expect(screen.getByRole('img', { name: /^Timeline of task executions/ })).toHaveAccessibleName(
      'Timeline of task executions, one lane per worker: 3 attempts on 2 workers: 2 succeeded, 1 failed',
    )
  })

  it('names every outcome in the legend, with its count', () => {
    render(<TimelineChart items={items} totalCount={3} />)

    const legend = screen.getByRole('list', { name: 'Outcomes' })
    expect(legend).toHaveTextContent('succeeded (2)failed (1)lost (0)released (0)running (0)')
  })

  it('draws a custom series on a canvas with a lane per worker and zoom in time', () => {
    render(<TimelineChart items={items} totalCount={3} />)

    expect(chart.init).toHaveBeenCalledWith(expect.any(HTMLDivElement), undefined, { renderer: 'canvas' })
    const option = chart.setOption.mock.calls[0]![0]
    expect(option.yAxis.data).toEqual(['worker-1', 'worker-2'])
    expect(option.xAxis.type).toBe('time')
    expect(option.dataZoom.map((z: { type: string }) => z.type)).toEqual(['slider', 'inside'])
    expect(option.series[0].type).toBe('custom')
    expect(option.series[0].data).toHaveLength(3)
  })

  it('keeps the chart and its zoom when attempts arrive, sending only the new data', () => {
    const { rerender } = render(<TimelineChart items={items.slice(0, 2)} totalCount={2} />)

    rerender(<TimelineChart items={items} totalCount={3} />)

    expect(chart.init).toHaveBeenCalledTimes(1)
    const update = chart.setOption.mock.calls.at(-1)![0]
    expect(update.dataZoom).toBeUndefined()
    expect(update.series[0].data).toHaveLength(3)
  })

  it('draws no chart before the first attempt, but says why', () => {
    render(<TimelineChart items={[]} totalCount={0} />)

    expect(chart.init).not.toHaveBeenCalled()
    expect(screen.queryByRole('img')).not.toBeInTheDocument()
    expect(screen.getByTestId('timeline')).toHaveTextContent('No attempts yet')
  })

  it('disposes of the chart when it goes', () => {
    const { unmount } = render(<TimelineChart items={items} totalCount={3} />)
    unmount()
    expect(chart.dispose).toHaveBeenCalledTimes(1)
  })

  it('renders an attempt as a rectangle in its row, coloured by outcome', () => {
    const values = [0, 1000, 2000, 1, 2, 1]
    const api = {
      value: (i: number) => values[i],
      coord: ([x, lane]: number[]) => [x! / 10, 50 + lane! * 40],
      size: () => [0, 40],
    }
    const params = { coordSys: { x: 0, y: 0, width: 500, height: 500 } }

    const element = renderAttempt(params as never, api as never) as { type: string; shape: Record<string, number>; style: { fill: string } }

    expect(element.type).toBe('rect')
    expect(element.shape).toMatchObject({ x: 100, y: 50, width: 100 })
    expect(element.shape.height).toBeCloseTo(13.6)
    expect(element.style.fill).toBe('#d64545')
  })
})
