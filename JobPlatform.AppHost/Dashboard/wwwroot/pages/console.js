import { getJson, poll } from '../api.js';
import { h, colourOf, formatTime } from '../dom.js';

// The DOM keeps at most this many lines; the AppHost keeps 2,000 per process.
const maxLines = 5000;

export function mount(main, _params, query) {
  let resource = query.get('resource') ?? 'api';
  let search = '';
  let after = 0;
  let generation = 0;

  const picker = h('select', { id: 'console-resource', onchange: () => { resource = picker.value; restart(); } });
  const searchBox = h('input', { id: 'console-search', type: 'search', placeholder: 'Text in the line', value: '' });
  let debounce;
  searchBox.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { search = searchBox.value.trim(); restart(); }, 250);
  });
  const output = h('div', { class: 'console', role: 'log', 'aria-label': 'Console output', 'aria-live': 'off' });
  const count = h('span', { class: 'hint' });
  main.append(
    h('h1', {}, 'Console'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'console-resource' }, 'Resource', picker),
      h('label', { for: 'console-search' }, 'Search', searchBox),
      count),
    output);

  getJson('/api/resources').then(resources => {
    const names = resources.flatMap(r => r.replicas.length > 1 ? [r.name, ...r.replicas.map(x => x.name)] : [r.name]);
    if (!names.includes(resource)) names.unshift(resource);
    picker.replaceChildren(...names.concat('apphost').map(name => h('option', { value: name, selected: name === resource }, name)));
  });

  function restart() {
    generation++;
    after = 0;
    output.replaceChildren();
    const url = new URL(window.location.href);
    url.searchParams.set('resource', resource);
    history.replaceState(null, '', url);
  }

  function highlight(text) {
    if (!search) return text;
    const parts = [];
    const lower = text.toLowerCase();
    const needle = search.toLowerCase();
    let at = 0;
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, at)) {
      parts.push(text.slice(at, i), h('mark', {}, text.slice(i, i + needle.length)));
      at = i + needle.length;
    }
    parts.push(text.slice(at));
    return parts;
  }

  return poll(async () => {
    const asked = generation;
    const params = new URLSearchParams({ after: String(after), limit: '1000' });
    if (search) params.set('q', search);
    const answer = await getJson(`/api/console/${encodeURIComponent(resource)}?${params}`);
    if (asked !== generation) return;
    after = answer.lastSeq;
    const atBottom = output.scrollHeight - output.scrollTop - output.clientHeight < 40;
    output.querySelector(':scope > .empty')?.remove();
    output.append(...answer.lines.map(line => h('div', { class: 'line' },
      h('span', { class: 'time' }, formatTime(line.time)),
      h('span', { class: 'source', style: { color: colourOf(line.replica.split('-')[0]) } }, line.replica),
      h('span', { class: 'text' }, highlight(line.text)))));
    while (output.childElementCount > maxLines) output.firstElementChild.remove();
    count.textContent = `${output.childElementCount} lines${search ? ` containing "${search}"` : ''}`;
    if (answer.lines.length && atBottom) output.scrollTop = output.scrollHeight;
    if (!output.childElementCount) output.append(h('p', { class: 'empty' }, search ? 'No line matches.' : 'No output yet.'));
  }, 1000);
}
