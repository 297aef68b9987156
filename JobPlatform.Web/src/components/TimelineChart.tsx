import * as echarts from 'echarts'
import { useEffect, useMemo, useRef } from 'react'
import type { TimelineItemWire } from '../services/tasks'
import { describeTimeline, OUTCOME_COLOURS, toTimelineLanes, type BarOutcome } from './timeline'

export interface TimelineChartProps {
  items: TimelineItemWire[]
  totalCount: number
}

const LANE_HEIGHT = 56

/**
 * Task executions over time: one lane per worker, one bar per attempt, coloured by outcome. Drawn
 * on a canvas by ECharts, so a job of thousands of attempts stays smooth; drag the slider to zoom.
 */
export function TimelineChart({ items, totalCount }: TimelineChartProps) {
  const container = useRef<HTMLDivElement>(null)
  const lanes = useMemo(() => toTimelineLanes(items, new Date()), [items])
  const summary = describeTimeline(lanes, totalCount)

  useEffect(() => {
    if (!container.current || lanes.bars.length === 0) {
      return
    }
    const chart = echarts.init(container.current, undefined, { renderer: 'canvas' })
    const dark = window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false
    chart.setOption({
      animation: false,
      grid: { left: 90, right: 20, top: 10, bottom: 60 },
      tooltip: { formatter: (params: { data: { label: string } }) => params.data.label },
      xAxis: { type: 'time', axisLabel: { color: dark ? '#c9ced6' : '#444' } },
      yAxis: { type: 'category', data: lanes.workers, axisLabel: { color: dark ? '#c9ced6' : '#444' } },
      dataZoom: [{ type: 'slider', xAxisIndex: 0, bottom: 10 }, { type: 'inside', xAxisIndex: 0 }],
      series: [
        {
          type: 'custom',
          encode: { x: [1, 2], y: 0 },
          data: lanes.bars.map((bar) => ({
            value: [bar.lane, bar.start, bar.end, bar.row, lanes.rows[bar.lane] ?? 1],
            label: bar.label,
            itemStyle: { color: OUTCOME_COLOURS[bar.outcome] },
          })),
          renderItem: (params: echarts.CustomSeriesRenderItemParams, api: echarts.CustomSeriesRenderItemAPI) => {
            const lane = api.value(0) as number
            const start = api.coord([api.value(1), lane]) as [number, number]
            const end = api.coord([api.value(2), lane]) as [number, number]
            const band = (api.size!([0, 1]) as [number, number])[1] * 0.8
            const rows = api.value(4) as number
            const height = Math.max(1, (band / rows) * 0.85)
            const top = start[1] - band / 2 + ((api.value(3) as number) * band) / rows
            const grid = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
            const shape = echarts.graphic.clipRectByRect(
              { x: start[0], y: top, width: Math.max(1, end[0] - start[0]), height },
              { x: grid.x, y: grid.y, width: grid.width, height: grid.height },
            )
            return shape && { type: 'rect', shape, style: api.style() }
          },
        },
      ],
    })
    const resize = () => chart.resize()
    window.addEventListener('resize', resize)
    return () => {
      window.removeEventListener('resize', resize)
      chart.dispose()
    }
  }, [lanes])

  return (
    <figure className="timeline" data-testid="timeline">
      <figcaption className="timeline__summary">{summary}</figcaption>
      {lanes.bars.length > 0 && (
        <div
          ref={container}
          className="timeline__chart"
          role="img"
          aria-label={`Timeline of task executions: ${summary}`}
          style={{ height: Math.max(140, lanes.workers.length * LANE_HEIGHT + 80) }}
        />
      )}
      <ul className="timeline__legend" aria-label="Outcomes">
        {(Object.keys(OUTCOME_COLOURS) as BarOutcome[]).map((outcome) => (
          <li key={outcome}>
            <span className="timeline__swatch" style={{ background: OUTCOME_COLOURS[outcome] }} aria-hidden="true" />
            {outcome}
          </li>
        ))}
      </ul>
    </figure>
  )
}
