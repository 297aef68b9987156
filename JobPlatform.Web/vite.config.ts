/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig, type ProxyOptions } from 'vite'

/** Where the Api listens when the AppHost does not say: its usual local address. */
const DEFAULT_API_URL = 'http://localhost:5080'

// The AppHost passes the Api's address the way Aspire does for a reference named "api";
// an empty value counts as unset.
const apiUrl = process.env.services__api__http__0 || DEFAULT_API_URL

/**
 * Proxies /api to the Api, passing Server-Sent Events (GET /api/v1/events) through as they are
 * written. The proxy pipes bodies without buffering, but would hold the response headers until the
 * first event, so the browser's EventSource would not open (and the console would say "Polling")
 * until something happened. An event stream's headers therefore go out at once, the stream is
 * asked for uncompressed (a compressor buffers), proxies further on are told not to buffer, and
 * the browser's side ends when the Api's does.
 */
function apiProxy(target: string): ProxyOptions {
  return {
    target,
    changeOrigin: true,
    configure: (proxy) => {
      proxy.on('proxyReq', (proxyReq, req) => {
        if (req.url?.startsWith('/api/v1/events')) {
          proxyReq.setHeader('Accept-Encoding', 'identity')
        }
      })
      proxy.on('proxyRes', (proxyRes, _req, res) => {
        if (!String(proxyRes.headers['content-type'] ?? '').startsWith('text/event-stream') || !('flushHeaders' in res)) {
          return
        }
        const headers = { ...proxyRes.headers, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' }
        delete headers['content-length']
        delete headers['transfer-encoding']
        res.writeHead(proxyRes.statusCode ?? 200, headers)
        res.flushHeaders()
        res.socket?.setNoDelay(true)
        // If the Api dies mid-stream the proxy would leave the browser's side open and silent;
        // ending it makes EventSource notice at once and reconnect.
        proxyRes.on('close', () => {
          if (!res.writableEnded) {
            res.end()
          }
        })
      })
    },
  }
}

/**
 * The development tenant's API key, which the AppHost passes to the dev server as
 * JOBPLATFORM_API_KEY so the console signs in without anyone pasting a key (src/services/auth.ts).
 * It reaches the page as import.meta.env.VITE_DEV_API_KEY, and only this way: JOBPLATFORM_ isn't a
 * prefix Vite exposes by itself. The dev server passes it when it is set; Vitest never does (tests
 * give their own). A `vite build` bakes it into dist/ (which `vite preview` serves) only if the
 * variable is set while building: never build a bundle to deploy with JOBPLATFORM_API_KEY set.
 * Without it the console asks for a key on its sign-in screen.
 */
function devApiKey(command: 'build' | 'serve', mode: string): string {
  if (mode === 'test') {
    return ''
  }
  const key = process.env.JOBPLATFORM_API_KEY ?? ''
  if (key && command === 'build') {
    console.warn('JOBPLATFORM_API_KEY is set: this build contains the development API key. Do not deploy it.')
  }
  return key
}

export default defineConfig(({ command, mode }) => ({
  plugins: [react()],
  define: {
    'import.meta.env.VITE_DEV_API_KEY': JSON.stringify(devApiKey(command, mode)),
  },
  // Bundle every dependency when the server starts. Left to discovery, Vite finds ECharts only when
  // a job page first loads it, re-bundles, and reloads every open page, tests' pages included.
  optimizeDeps: {
    include: ['react', 'react-dom/client', 'react-router', '@tanstack/react-query', 'echarts/core', 'echarts/charts', 'echarts/components', 'echarts/renderers'],
  },
  server: {
    proxy: { '/api': apiProxy(apiUrl) },
  },
  build: {
    // The timeline's chunk (ECharts, loaded with the first job page) is just over Vite's 500 kB hint.
    chunkSizeWarningLimit: 600,
  },
  preview: {
    proxy: { '/api': apiProxy(apiUrl) },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    // Starting jsdom for each of 30-odd files cost most of a minute; the files share one per
    // worker instead. Each test cleans up what it changes (the DOM, stubbed globals, timers),
    // and the suite passes in any file order (--sequence.shuffle.files).
    pool: 'threads',
    isolate: false,
    unstubGlobals: true,
  },
}))
