import { NavLink, Route, Routes } from 'react-router'
import { useLiveUpdates } from './services/events'
import { FailuresPage } from './routes/FailuresPage'
import { JobDetailPage } from './routes/JobDetailPage'
import { JobsPage } from './routes/JobsPage'
import { NewJobPage } from './routes/NewJobPage'
import { WorkersPage } from './routes/WorkersPage'

/** The console's frame: navigation, whether updates are live, and the pages. */
export function App() {
  const live = useLiveUpdates()
  return (
    <div className="app">
      <header className="app__header">
        <span className="app__brand">JobPlatform</span>
        <nav className="app__nav" aria-label="Main">
          <NavLink to="/" end>Jobs</NavLink>
          <NavLink to="/jobs/new">New job</NavLink>
          <NavLink to="/failures">Failures</NavLink>
          <NavLink to="/workers">Workers</NavLink>
        </nav>
        <span className={`live live--${live}`} data-testid="live-indicator" title={live === 'live' ? 'Changes arrive as they happen' : 'The event stream is down; asking every 2 s'}>
          {live === 'live' ? 'Live' : 'Polling'}
        </span>
      </header>
      <main className="app__main">
        <Routes>
          <Route path="/" element={<JobsPage live={live} />} />
          <Route path="/jobs/new" element={<NewJobPage />} />
          <Route path="/jobs/:id" element={<JobDetailPage />} />
          <Route path="/failures" element={<FailuresPage />} />
          <Route path="/workers" element={<WorkersPage />} />
          <Route path="*" element={<p className="state">There is no such page. <NavLink to="/">Back to jobs</NavLink></p>} />
        </Routes>
      </main>
    </div>
  )
}
