import { getJson, poll } from '../api.js';
import { h, colourOf, formatTime, attributeList } from '../dom.js';
import { serviceSelect, onFiltersChanged } from '../filters.js';

const levels = ['trace', 'debug', 'information', 'warning', 'error', 'critical'];

export function mount(main, _params, query) {
  const filters = {
    service: query.get('service') ?? '',
    level: query.get('level') ?? '',
    q: query.get('q') ?? '',
    traceId: query.get('traceId') ?? '',
  };
  const expanded = new Set();
  let latest = [];

  const service = serviceSelect('logs-service', filters.service);
  const level = h('select', { id: 'logs-level' }, h('option', { value: '' }, 'Any level'),
    levels.map(l => h('option', { value: l, selected: l === filters.level }, `${l} and above`)));
  const text = h('input', { id: 'logs-text', type: 'search', placeholder: 'Message or attribute', value: filters.q });
  const traceId = h('input', { id: 'logs-trace', type: 'search', placeholder: 'Trace id', value: filters.traceId, class: 'mono' });
  const body = h('tbody');
  const summary = h('p', { class: 'hint' });
  main.append(
    h('h1', {}, 'Structured logs'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'logs-service' }, 'Service', service),
      h('label', { for: 'logs-level' }, 'Level', level),
      h('label', { for: 'logs-text' }, 'Text', text),
      h('label', { for: 'logs-trace' }, 'Trace', traceId)),
    h('div', { class: 'panel' }, h('table', { 'aria-label': 'Structured logs' },
      h('thead', {}, h('tr', {}, ['Time', 'Level', 'Service', 'Category', 'Message', 'Trace'].map(t => h('th', {}, t)))),
      body)),
    summary);

  const changed = onFiltersChanged(filters,
    () => ({ service: service.value, level: level.value, q: text.value.trim(), traceId: traceId.value.trim() }), load);
  for (const input of [service, level]) input.addEventListener('change', changed);
  for (const input of [text, traceId]) input.addEventListener('input', changed);

  function draw() {
    body.replaceChildren(...latest.flatMap(log => {
      const row = h('tr', {
        class: 'clickable',
        onclick: event => {
          if (event.target.closest('a')) return;
          expanded.has(log.seq) ? expanded.delete(log.seq) : expanded.add(log.seq);
          draw();
        },
      },
        h('td', { class: 'mono' }, formatTime(log.time)),
        h('td', {}, h('span', { class: `badge ${log.level}` }, log.level)),
        h('td', {}, h('span', { class: 'chip', style: { background: colourOf(log.service) } }, log.service), log.instance && log.instance !== log.service ? h('span', { class: 'hint' }, log.instance) : null),
        h('td', { class: 'hint' }, log.category),
        h('td', {}, log.message),
        h('td', { class: 'mono' }, log.traceId ? h('a', { href: `/traces/${log.traceId}`, 'data-link': true, title: log.traceId }, log.traceId.slice(0, 8)) : ''));
      if (!expanded.has(log.seq)) return [row];
      return [row, h('tr', { class: 'details' }, h('td', { colspan: 6 }, attributeList([
        { key: 'trace id', value: log.traceId ?? '—' }, { key: 'span id', value: log.spanId ?? '—' }, ...log.attributes])))];
    }));
    if (!latest.length) body.append(h('tr', {}, h('td', { colspan: 6, class: 'empty' }, 'No log record matches.')));
  }

  async function load() {
    const params = new URLSearchParams({ limit: '200' });
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    latest = await getJson(`/api/logs?${params}`);
    summary.textContent = `The newest ${latest.length} matching records. Click a row for its attributes.`;
    draw();
  }

  return poll(load, 2000);
}
