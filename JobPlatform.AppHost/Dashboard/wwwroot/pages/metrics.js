import { getJson, poll } from '../api.js';
import { h } from '../dom.js';
import { lineChart } from '../components/linechart.js';

// More lines than this read as noise; the chart says how many it left out.
const maxSeriesShown = 12;

export function mount(main, _params, query) {
  let selected = query.get('name');
  let instruments = [];
  const filter = h('input', { id: 'metrics-filter', type: 'search', placeholder: 'Filter instruments' });
  const list = h('div', { class: 'panel instrument-list', role: 'list', 'aria-label': 'Instruments' });
  const chart = h('div', { class: 'panel chart' }, h('p', { class: 'empty' }, 'Pick an instrument.'));
  main.append(
    h('h1', {}, 'Metrics'),
    h('div', { class: 'toolbar' }, h('label', { for: 'metrics-filter' }, 'Instrument', filter)),
    h('div', { class: 'metrics-layout' }, list, chart));
  filter.addEventListener('input', drawList);

  function drawList() {
    const text = filter.value.trim().toLowerCase();
    list.replaceChildren(...instruments.filter(i => !text || i.name.toLowerCase().includes(text)).map(i => h('button', {
      type: 'button', role: 'listitem', 'aria-pressed': i.name === selected, title: i.description ?? '',
      onclick: () => {
        selected = i.name;
        const url = new URL(window.location.href);
        url.searchParams.set('name', selected);
        history.replaceState(null, '', url);
        drawList();
        loadSeries();
      },
    }, h('div', {}, i.name), h('div', { class: 'unit' }, `${i.kind}${i.unit ? ` · ${i.unit}` : ''} · ${i.services.join(', ')} · ${i.seriesCount} series`))));
    if (!list.childElementCount) list.append(h('p', { class: 'empty' }, instruments.length ? 'No instrument matches.' : 'No metrics yet.'));
  }

  async function loadSeries() {
    if (!selected) return;
    const name = selected;
    const answer = await getJson(`/api/metrics/series?name=${encodeURIComponent(name)}`);
    if (name !== selected) return;
    // Attributes every series shares say nothing about any one of them: the labels leave them out.
    const pairs = s => s.attributes.map(a => `${a.key}=${a.value}`);
    const shared = answer.series.length > 1
      ? pairs(answer.series[0]).filter(pair => answer.series.every(s => pairs(s).includes(pair)))
      : [];
    const series = answer.series.map(s => ({
      label: [s.instance ?? s.service, ...pairs(s).filter(pair => !shared.includes(pair))].join(' '),
      points: s.points,
    }));
    const shown = series.slice(0, maxSeriesShown);
    chart.replaceChildren(h('div', {},
      h('h2', { style: { marginTop: 0 } }, answer.name, answer.unit ? h('span', { class: 'hint' }, ` (${answer.unit})`) : null),
      answer.kind === 'histogram' ? h('p', { class: 'hint' }, 'Mean of the values recorded between exports.') : null,
      shared.length ? h('p', { class: 'hint' }, `Every series: ${shared.join(' ')}`) : null,
      lineChart(shown, { unit: answer.unit }),
      series.length > shown.length ? h('p', { class: 'hint' }, `Showing ${shown.length} of ${series.length} series.`) : null));
  }

  return poll(async () => {
    instruments = await getJson('/api/metrics');
    drawList();
    await loadSeries();
  }, 2000);
}
