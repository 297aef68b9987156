// The dashboard's JSON API. The cookie set at /login authenticates every call; without it the
// API answers 401 and the browser goes back to the login page.
export async function getJson(path) {
  return send(path, { headers: { Accept: 'application/json' } });
}

export async function postJson(path) {
  return send(path, { method: 'POST', headers: { Accept: 'application/json' } });
}

async function send(path, init) {
  const response = await fetch(path, { credentials: 'same-origin', ...init });
  if (response.status === 401) {
    window.location.assign('/login');
    throw new Error('Signed out');
  }
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
  if (!response.ok) throw new Error(body?.detail ?? body?.title ?? `${response.status} ${response.statusText}`);
  return body;
}

// Runs load() now and again every intervalMs after each run ends, until the returned stop() is called.
export function poll(load, intervalMs) {
  let stopped = false;
  let timer;
  const run = async () => {
    try {
      await load();
    } catch (error) {
      console.error(error);
    }
    if (!stopped) timer = setTimeout(run, intervalMs);
  };
  run();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
