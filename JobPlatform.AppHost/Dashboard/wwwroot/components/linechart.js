import { svg, h, colourOf } from '../dom.js';

const width = 900;
const height = 320;
const margin = { top: 12, right: 16, bottom: 28, left: 64 };

function niceNumber(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(1)}k`;
  if (abs === 0 || abs >= 1) return value.toFixed(abs >= 100 ? 0 : 1).replace(/\.0$/, '');
  return value.toPrecision(2);
}

// An inline SVG line chart: one line per series, time across, values up; null values break the line.
export function lineChart(series, { unit } = {}) {
  const points = series.flatMap(s => s.points.filter(p => p.value !== null));
  if (!points.length) return h('p', { class: 'empty' }, 'No values yet.');
  const minX = Math.min(...points.map(p => p.time));
  const maxX = Math.max(...points.map(p => p.time), minX + 1);
  let minY = Math.min(0, ...points.map(p => p.value));
  let maxY = Math.max(...points.map(p => p.value));
  if (maxY === minY) maxY = minY + 1;
  const x = t => margin.left + ((t - minX) / (maxX - minX)) * (width - margin.left - margin.right);
  const y = v => height - margin.bottom - ((v - minY) / (maxY - minY)) * (height - margin.top - margin.bottom);

  const grid = [0, 0.25, 0.5, 0.75, 1].map(f => {
    const value = minY + f * (maxY - minY);
    return [
      svg('line', { class: 'gridline', x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }),
      svg('text', { class: 'axis-label', x: margin.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, niceNumber(value)),
    ];
  });
  const times = [0, 0.5, 1].map(f => {
    const t = minX + f * (maxX - minX);
    const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle';
    return svg('text', { class: 'axis-label', x: x(t), y: height - 8, 'text-anchor': anchor }, new Date(t).toLocaleTimeString(undefined, { hour12: false }));
  });
  const lines = series.map(s => {
    const segments = [];
    let current = [];
    for (const p of s.points) {
      if (p.value === null) {
        if (current.length) segments.push(current);
        current = [];
      } else current.push(`${x(p.time).toFixed(1)},${y(p.value).toFixed(1)}`);
    }
    if (current.length) segments.push(current);
    return segments.map(segment => segment.length === 1
      ? svg('circle', { cx: segment[0].split(',')[0], cy: segment[0].split(',')[1], r: 2.5, fill: colourOf(s.label) })
      : svg('polyline', { points: segment.join(' '), fill: 'none', stroke: colourOf(s.label), 'stroke-width': 1.8 }));
  });
  return h('div', {},
    svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Line chart${unit ? ` in ${unit}` : ''} of ${series.length} series` }, grid, times, lines),
    h('div', { class: 'legend' }, series.map(s => h('span', { style: { '--c': colourOf(s.label) }, title: s.label }, s.label))));
}
