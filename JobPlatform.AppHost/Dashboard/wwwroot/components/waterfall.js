import { h, colourOf, formatDuration, attributeList, formatTime } from '../dom.js';

// Orders spans depth-first under their parents (siblings by start); a span whose parent is not in
// the trace (not received yet, or from outside) starts a tree of its own.
export function layout(spans) {
  const ids = new Set(spans.map(s => s.spanId));
  const children = new Map();
  for (const span of spans) {
    const parent = span.parentSpanId && ids.has(span.parentSpanId) ? span.parentSpanId : null;
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(span);
  }
  for (const list of children.values()) list.sort((a, b) => a.startTime - b.startTime);
  const rows = [];
  const visit = (span, depth) => {
    rows.push({ span, depth });
    for (const child of children.get(span.spanId) ?? []) visit(child, depth + 1);
  };
  for (const root of children.get(null) ?? []) visit(root, 0);
  return rows;
}

// A waterfall: one row per span, nested by parent, its bar placed and sized by time within the
// trace and coloured by service. Clicking a row shows its attributes, events and links.
export function waterfall(trace, { selected, onSelect }) {
  const start = trace.startTime;
  const total = Math.max(trace.durationMs, 0.001);
  const percent = ms => `${Math.min(100, Math.max(0, (ms / total) * 100))}%`;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(f => h('span', { style: { left: `${f * 100}%` } }, formatDuration(f * total)));
  const rows = layout(trace.spans);
  const container = h('div', { class: 'waterfall', role: 'tree', 'aria-label': 'Waterfall' },
    h('div', { class: 'axis' }, h('div', { class: 'name' }, 'Span'), h('div', { class: 'ticks' }, ticks)),
    rows.map(({ span, depth }) => {
      const offset = span.startTime - start;
      const barRight = (offset + span.durationMs) / total > 0.85;
      return h('div', {
        class: `span-row${span.spanId === selected ? ' selected' : ''}`,
        role: 'treeitem',
        'aria-level': depth + 1,
        'aria-selected': span.spanId === selected,
        'data-span': span.spanId,
        'data-service': span.service,
        tabindex: 0,
        onclick: () => onSelect(span.spanId),
        onkeydown: event => { if (event.key === 'Enter') onSelect(span.spanId); },
      },
        h('div', { class: 'name', style: { paddingLeft: `${8 + depth * 16}px` }, title: `${span.name} (${span.service}${span.instance ? ` ${span.instance}` : ''})` },
          h('span', { class: 'chip service', style: { background: colourOf(span.service) } }, span.instance ?? span.service),
          span.name),
        h('div', { class: 'lane' },
          h('div', {
            class: `bar${span.status === 'error' ? ' error' : ''}`,
            style: { left: percent(offset), width: percent(span.durationMs), background: colourOf(span.service) },
          }),
          h('span', {
            class: 'duration',
            style: barRight ? { right: `calc(100% - ${percent(offset)})`, paddingRight: '4px' } : { left: percent(offset + span.durationMs) },
          }, formatDuration(span.durationMs))));
    }));
  const span = trace.spans.find(s => s.spanId === selected);
  if (span) container.append(details(span));
  return container;
}

function details(span) {
  return h('section', { class: 'span-details', 'aria-label': 'Span details' },
    h('h3', {}, span.name),
    attributeList([
      { key: 'service', value: span.service + (span.instance ? ` (${span.instance})` : '') },
      { key: 'kind', value: span.kind },
      { key: 'status', value: span.status + (span.statusMessage ? `: ${span.statusMessage}` : '') },
      { key: 'start', value: formatTime(span.startTime) },
      { key: 'duration', value: formatDuration(span.durationMs) },
      { key: 'span id', value: span.spanId },
      { key: 'parent span id', value: span.parentSpanId ?? '—' },
      { key: 'scope', value: span.scope || '—' },
    ]),
    h('h2', {}, 'Attributes'), attributeList(span.attributes),
    span.events.length ? [h('h2', {}, 'Events'), span.events.map(e => h('div', {}, h('strong', {}, `${formatTime(e.time)} ${e.name}`), attributeList(e.attributes)))] : null,
    span.links.length ? [h('h2', {}, 'Links'), span.links.map(l => h('div', { class: 'mono' }, h('a', { href: `/traces/${l.traceId}`, 'data-link': true }, `${l.traceId} / ${l.spanId}`)))] : null);
}
