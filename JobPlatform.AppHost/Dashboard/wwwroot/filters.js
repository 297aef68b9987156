import { getJson } from './api.js';
import { h } from './dom.js';

/** A select of the services (the graph's projects), "All services" first; `selected` is chosen once the list arrives. */
export function serviceSelect(id, selected) {
  const select = h('select', { id }, h('option', { value: '' }, 'All services'));
  getJson('/api/resources').then(resources => {
    select.append(...resources.filter(r => r.kind === 'project').map(r => h('option', { value: r.name, selected: r.name === selected }, r.name)));
  });
  return select;
}

/**
 * A change handler for a page's filter inputs: 250 ms after the last change, what `read()` returns
 * becomes the filters, the page's URL shows them (so a reload or a shared link keeps them), and
 * `load` runs.
 */
export function onFiltersChanged(filters, read, load) {
  let debounce;
  return () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      Object.assign(filters, read());
      const url = new URL(window.location.href);
      for (const [key, value] of Object.entries(filters)) value ? url.searchParams.set(key, value) : url.searchParams.delete(key);
      history.replaceState(null, '', url);
      load();
    }, 250);
  };
}
