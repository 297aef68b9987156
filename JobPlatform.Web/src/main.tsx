import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter } from 'react-router'
import { App } from './App'
import { shouldRetry } from './services/api'
import './styles.css'

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: shouldRetry } } })

const root = document.getElementById('root')
if (!root) {
  throw new Error('index.html has no #root element to render the console into.')
}

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
)
