import { JobsPage } from './routes/JobsPage'

/** The console's frame. One page for now; routing arrives with the full console. */
export function App() {
  return (
    <div className="app">
      <header className="app__header">
        <span className="app__brand">JobPlatform</span>
        <nav className="app__nav" aria-label="Main">
          <a href="/" aria-current="page">
            Jobs
          </a>
        </nav>
      </header>
      <main className="app__main">
        <JobsPage />
      </main>
    </div>
  )
}
