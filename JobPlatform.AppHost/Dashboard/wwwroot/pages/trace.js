import { getJson, poll } from '../api.js';
import { h, colourOf, formatDuration, formatTime } from '../dom.js';
import { waterfall } from '../components/waterfall.js';

export function mount(main, [traceId]) {
  let trace = null;
  let selected = null;
  let drawnCount = -1;
  const heading = h('div');
  const body = h('div', { class: 'panel' }, h('p', { class: 'empty' }, 'Loading...'));
  main.append(h('p', {}, h('a', { href: '/traces', 'data-link': true }, '← Traces')), heading, body);

  function draw() {
    const services = [...new Set(trace.spans.map(s => s.service))];
    const jobId = trace.spans.map(s => s.attributes.find(a => a.key === 'job.id')?.value).find(Boolean);
    const root = trace.spans.find(s => !s.parentSpanId || !trace.spans.some(p => p.spanId === s.parentSpanId)) ?? trace.spans[0];
    heading.replaceChildren(
      h('h1', {}, root.name),
      h('p', { class: 'hint' },
        `Trace ${trace.traceId} · started ${formatTime(trace.startTime)} · ${formatDuration(trace.durationMs)} · ${trace.spans.length} spans · `,
        services.map(s => h('span', { class: 'chip', style: { background: colourOf(s) } }, s)),
        jobId ? [' · job ', h('a', { href: `/traces?jobId=${encodeURIComponent(jobId)}`, 'data-link': true, class: 'mono' }, jobId)] : null,
        ' · ', h('a', { href: `/logs?traceId=${trace.traceId}`, 'data-link': true }, 'its logs')));
    body.replaceChildren(waterfall(trace, { selected, onSelect: id => { selected = selected === id ? null : id; draw(); } }));
    drawnCount = trace.spans.length;
  }

  // Spans of a running job keep arriving: redraw when the trace grows.
  return poll(async () => {
    try {
      trace = await getJson(`/api/traces/${traceId}`);
    } catch (error) {
      if (!trace) body.replaceChildren(h('p', { class: 'empty' }, error.message));
      return;
    }
    if (trace.spans.length !== drawnCount) draw();
  }, 2000);
}
