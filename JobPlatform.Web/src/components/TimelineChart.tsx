import type { CustomSeriesRenderItemAPI, CustomSeriesRenderItemParams, CustomSeriesRenderItemReturn } from 'echarts'
import { CustomChart } from 'echarts/charts'
import { DataZoomInsideComponent, DataZoomSliderComponent, GridComponent, TooltipComponent } from 'echarts/components'
import { init, use, type EChartsType } from 'echarts/core'
import { CanvasRenderer } from 'echarts/renderers'
import { useEffect, useMemo, useRef } from 'react'
import type { TimelineItemWire } from '../services/tasks'
import {
  BAR_OUTCOMES,
  barRect,
  CHART_MARGIN,
  chartHeight,
  clipRect,
  countOutcomes,
  describeTimeline,
  OUTCOME_COLOURS,
  toSeriesData,
  toTimelineLanes,
  type TimelineLanes,
} from './timeline'

// Only the parts of ECharts the timeline uses, so the chunk stays a fraction of the full library.
use([CustomChart, GridComponent, DataZoomSliderComponent, DataZoomInsideComponent, TooltipComponent, CanvasRenderer])

export interface TimelineChartProps {
  items: TimelineItemWire[]
  totalCount: number
}

/** Draws one attempt: a rectangle in its worker's lane, clipped to the plot when zoomed. */
export function renderAttempt(params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI): CustomSeriesRenderItemReturn {
  const lane = api.value(0) as number
  const start = api.coord([api.value(1), lane]) as [number, number]
  const end = api.coord([api.value(2), lane]) as [number, number]
  const band = (api.size?.([0, 1]) as number[] | undefined)?.[1] ?? 0
  const rect = barRect(start, end, band, api.value(3) as number, api.value(4) as number)
  const grid = params.coordSys as unknown as { x: number; y: number; width: number; height: number }
  const shape = clipRect(rect, { x: grid.x, y: grid.y, width: grid.width, height: grid.height })
  const outcome = BAR_OUTCOMES[api.value(5) as number] ?? 'running'
  return shape && { type: 'rect', shape, style: { fill: OUTCOME_COLOURS[outcome] } }
}

/** The page's colours, read from its CSS variables, so the axes follow the light or dark scheme. */
function pageColours() {
  const style = getComputedStyle(document.documentElement)
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback
  return { text: read('--text-muted', '#626b7a'), line: read('--border', '#e3e6eb') }
}

/** The whole chart option, for the first draw. */
export function timelineOption(lanes: TimelineLanes, colours = pageColours()) {
  return {
    animation: false,
    grid: { ...CHART_MARGIN },
    tooltip: { trigger: 'item', formatter: (p: { name: string }) => p.name },
    xAxis: {
      type: 'time',
      axisLabel: { color: colours.text, hideOverlap: true },
      axisLine: { lineStyle: { color: colours.line } },
      splitLine: { show: true, lineStyle: { color: colours.line } },
    },
    yAxis: {
      type: 'category',
      inverse: true,
      data: lanes.workers,
      axisLabel: { color: colours.text },
      axisLine: { lineStyle: { color: colours.line } },
    },
    dataZoom: [
      {
        type: 'slider',
        xAxisIndex: 0,
        filterMode: 'weakFilter',
        bottom: 12,
        height: 22,
        borderColor: colours.line,
        fillerColor: 'rgba(59, 130, 246, 0.15)',
        labelFormatter: () => '',
      },
      { type: 'inside', xAxisIndex: 0, filterMode: 'weakFilter' },
    ],
    series: [timelineSeries(lanes)],
  }
}

/** What changes as attempts arrive; the zoom and everything else stay as the user left them. */
export function timelineUpdate(lanes: TimelineLanes) {
  return { yAxis: { data: lanes.workers }, series: [timelineSeries(lanes)] }
}

function timelineSeries(lanes: TimelineLanes) {
  return {
    type: 'custom',
    renderItem: renderAttempt,
    encode: { x: [1, 2], y: 0 },
    data: toSeriesData(lanes),
  }
}

/**
 * Task executions over time: one lane per worker, one bar per attempt, coloured by outcome, with a
 * legend and a summary in words. Drawn on a canvas by ECharts, so a job of thousands of attempts
 * stays smooth; drag the slider, or scroll over the chart, to zoom in time. New attempts redraw
 * the bars in place, keeping the zoom.
 */
export function TimelineChart({ items, totalCount }: TimelineChartProps) {
  const container = useRef<HTMLDivElement>(null)
  const chart = useRef<EChartsType | null>(null)
  const lanes = useMemo(() => toTimelineLanes(items, new Date()), [items])
  const summary = describeTimeline(lanes, totalCount)
  const counts = countOutcomes(lanes)
  const hasBars = lanes.bars.length > 0

  useEffect(() => {
    const element = container.current
    if (!hasBars || !element) {
      return
    }
    const instance = init(element, undefined, { renderer: 'canvas' })
    chart.current = instance
    const resize = () => instance.resize()
    const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(resize)
    observer?.observe(element)
    window.addEventListener('resize', resize)
    return () => {
      observer?.disconnect()
      window.removeEventListener('resize', resize)
      chart.current = null
      instance.dispose()
    }
  }, [hasBars])

  // The instance the full option went to: a new one (first bars, or StrictMode's second mount)
  // needs it all; the same one only the new data.
  const drawnOn = useRef<EChartsType | null>(null)
  useEffect(() => {
    const instance = chart.current
    if (!instance) {
      return
    }
    if (drawnOn.current !== instance) {
      instance.setOption(timelineOption(lanes))
      drawnOn.current = instance
    } else {
      instance.setOption(timelineUpdate(lanes))
    }
  }, [lanes, hasBars])

  return (
    <figure className="timeline" data-testid="timeline">
      <figcaption className="timeline__summary">{summary}</figcaption>
      {hasBars && (
        <div
          ref={container}
          className="timeline__chart"
          role="img"
          aria-label={`Timeline of task executions, one lane per worker: ${summary}`}
          style={{ height: chartHeight(lanes) }}
        />
      )}
      <ul className="timeline__legend" aria-label="Outcomes">
        {BAR_OUTCOMES.map((outcome) => (
          <li key={outcome}>
            <span className="timeline__swatch" style={{ background: OUTCOME_COLOURS[outcome] }} aria-hidden="true" />
            {outcome} ({counts[outcome].toLocaleString('en-US')})
          </li>
        ))}
      </ul>
    </figure>
  )
}
