import { getJson, poll } from '../api.js';
import { h, colourOf, formatDuration, formatTime } from '../dom.js';
import { navigate } from '../navigate.js';
import { serviceSelect, onFiltersChanged } from '../filters.js';

export function mount(main, _params, query) {
  const filters = { jobId: query.get('jobId') ?? '', service: query.get('service') ?? '' };
  const jobId = h('input', { id: 'traces-job', type: 'search', placeholder: 'Job id (span attribute job.id)', value: filters.jobId, class: 'mono' });
  const service = serviceSelect('traces-service', filters.service);
  const body = h('tbody');
  const summary = h('p', { class: 'hint' });
  main.append(
    h('h1', {}, 'Traces'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'traces-job' }, 'Job', jobId),
      h('label', { for: 'traces-service' }, 'Service', service)),
    h('div', { class: 'panel' }, h('table', { 'aria-label': 'Traces' },
      h('thead', {}, h('tr', {}, ['Start', 'Name', 'Services', 'Duration', 'Spans', 'Job', ''].map(t => h('th', {}, t)))),
      body)),
    summary);

  const changed = onFiltersChanged(filters, () => ({ jobId: jobId.value.trim(), service: service.value }), load);
  jobId.addEventListener('input', changed);
  service.addEventListener('change', changed);

  async function load() {
    const params = new URLSearchParams({ limit: '100' });
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    const traces = await getJson(`/api/traces?${params}`);
    body.replaceChildren(...traces.map(trace => h('tr', { class: 'clickable', 'data-trace': trace.traceId, onclick: () => navigate(`/traces/${trace.traceId}`) },
      h('td', { class: 'mono' }, formatTime(trace.startTime)),
      h('td', {}, h('a', { href: `/traces/${trace.traceId}`, 'data-link': true }, trace.rootName)),
      h('td', {}, trace.services.map(s => h('span', { class: 'chip', style: { background: colourOf(s) } }, s))),
      h('td', { class: 'num' }, formatDuration(trace.durationMs)),
      h('td', { class: 'num' }, trace.spanCount),
      h('td', { class: 'mono' }, trace.jobId ?? ''),
      h('td', {}, trace.hasError ? h('span', { class: 'badge error' }, 'error') : ''))));
    if (!traces.length) body.append(h('tr', {}, h('td', { colspan: 7, class: 'empty' }, filters.jobId ? 'No trace of that job (yet).' : 'No traces yet.')));
    summary.textContent = `The ${traces.length} most recently active traces.`;
  }

  return poll(load, 2000);
}
