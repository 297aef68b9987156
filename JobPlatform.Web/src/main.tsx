import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { BrowserRouter } from 'react-router'
import { App } from './App'
import { AuthGate } from './AuthGate'
import { setTokenSource, shouldRetry } from './services/api'
import { auth } from './services/auth'
import './styles.css'

// Every request to the Api, and the event stream, carries this session's token.
setTokenSource(auth)

const queryClient = new QueryClient({ defaultOptions: { queries: { retry: shouldRetry } } })

const root = document.getElementById('root')
if (!root) {
  throw new Error('index.html has no #root element to render the console into.')
}

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <AuthGate>
          <App />
        </AuthGate>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
)
