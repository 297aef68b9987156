import { getJson, postJson, poll } from '../api.js';
import { h, formatUptime } from '../dom.js';

const kinds = { project: 'Project', postgres: 'PostgreSQL', database: 'Database', sqsEmulator: 'SQS emulator', viteApp: 'Vite app', devTenant: 'Dev tenant', prometheus: 'Prometheus' };

export function mount(main) {
  const status = h('p', { class: 'hint', role: 'status' });
  const body = h('tbody');
  main.append(
    h('h1', {}, 'Resources'),
    h('div', { class: 'panel' }, h('table', { 'aria-label': 'Resources' },
      h('thead', {}, h('tr', {},
        ['Resource', 'Kind', 'State', 'Replica', 'PID', 'Uptime', 'Restarts', 'Health', 'URL', ''].map(t => h('th', {}, t)))),
      body)),
    status);

  async function restart(replica) {
    status.textContent = `Restarting ${replica}...`;
    try {
      const answer = await postJson(`/api/resources/${encodeURIComponent(replica)}/restart`);
      status.textContent = `Sent SIGTERM to ${answer.replica} (pid ${answer.pid}); its supervisor starts it again.`;
    } catch (error) {
      status.textContent = `Could not restart ${replica}: ${error.message}`;
    }
  }

  return poll(async () => {
    const resources = await getJson('/api/resources');
    body.replaceChildren(...resources.flatMap(resource => {
      const replicas = resource.replicas.length ? resource.replicas : [null];
      return replicas.map((replica, index) => h('tr', { 'data-replica': replica?.name },
        index === 0 && [
          h('td', { rowspan: replicas.length }, h('strong', {}, resource.name)),
          h('td', { rowspan: replicas.length }, kinds[resource.kind] ?? resource.kind),
          h('td', { rowspan: replicas.length }, h('span', { class: `badge ${resource.state}` }, resource.state)),
        ],
        replica
          ? [
              h('td', {}, h('a', { href: `/console?resource=${encodeURIComponent(replica.name)}`, 'data-link': true }, replica.name)),
              h('td', { class: 'num mono' }, replica.pid ?? '—'),
              h('td', { class: 'num' }, formatUptime(replica.uptimeSeconds)),
              h('td', { class: 'num' }, replica.restarts),
              h('td', {}, h('span', { class: `badge ${replica.health}` }, replica.health)),
            ]
          : [h('td', { class: 'hint' }, '—'), h('td'), h('td'), h('td'), h('td')],
        h('td', {}, [...new Set((index === 0 ? resource.urls : []).concat(replica?.url ? [replica.url] : []))]
          .map(url => url.startsWith('http') ? h('div', {}, h('a', { href: url, target: '_blank', rel: 'noopener' }, url)) : h('div', { class: 'mono' }, url))),
        h('td', {}, replica && h('button', {
          class: 'small', type: 'button', 'aria-label': `Restart ${replica.name}`, disabled: replica.pid === null,
          onclick: () => restart(replica.name),
        }, 'Restart'))));
    }));
  }, 2000);
}
