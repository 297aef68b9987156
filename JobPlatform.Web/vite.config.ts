/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/** Where the Api listens when the AppHost does not say: its usual local address. */
const DEFAULT_API_URL = 'http://localhost:5080'

// The AppHost passes the Api's address the way Aspire does for a reference named "api";
// an empty value counts as unset.
const apiUrl = process.env.services__api__http__0 || DEFAULT_API_URL

export default defineConfig({
  plugins: [react()],
  // Bundle every dependency when the server starts. Left to discovery, Vite finds ECharts only when
  // a job page first loads it, re-bundles, and reloads every open page, tests' pages included.
  optimizeDeps: {
    include: ['react', 'react-dom/client', 'react-router', '@tanstack/react-query', 'echarts'],
  },
  server: {
    proxy: {
      '/api': { target: apiUrl, changeOrigin: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: apiUrl, changeOrigin: true },
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    css: false,
  },
})
