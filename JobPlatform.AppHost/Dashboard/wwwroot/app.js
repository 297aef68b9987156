import * as resources from './pages/resources.js';
import * as consolePage from './pages/console.js';
import * as logs from './pages/logs.js';
import * as traces from './pages/traces.js';
import * as trace from './pages/trace.js';
import * as metrics from './pages/metrics.js';
import { navigate, navigatedEvent } from './navigate.js';

// Pages are paths of one document; each page mounts into <main> and returns how to unmount it.
const routes = [
  { pattern: /^\/(resources)?$/, page: resources, nav: '/resources' },
  { pattern: /^\/console$/, page: consolePage, nav: '/console' },
  { pattern: /^\/logs$/, page: logs, nav: '/logs' },
  { pattern: /^\/traces$/, page: traces, nav: '/traces' },
  { pattern: /^\/traces\/([0-9a-fA-F]+)$/, page: trace, nav: '/traces' },
  { pattern: /^\/metrics$/, page: metrics, nav: '/metrics' },
];

let unmount = () => {};

function render() {
  unmount();
  const main = document.getElementById('page');
  main.replaceChildren();
  const path = window.location.pathname;
  const route = routes.find(r => r.pattern.test(path));
  for (const link of document.querySelectorAll('.topbar nav a')) {
    link.toggleAttribute('aria-current', false);
    if (route && link.getAttribute('href') === route.nav) link.setAttribute('aria-current', 'page');
  }
  if (!route) {
    main.append(Object.assign(document.createElement('p'), { className: 'empty', textContent: `No page at ${path}.` }));
    unmount = () => {};
    return;
  }
  const params = route.pattern.exec(path).slice(1);
  unmount = route.page.mount(main, params, new URLSearchParams(window.location.search)) ?? (() => {});
}

document.addEventListener('click', event => {
  const link = event.target.closest('a[data-link]');
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute('href'));
});
window.addEventListener('popstate', render);
window.addEventListener(navigatedEvent, render);
render();
