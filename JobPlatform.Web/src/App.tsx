import { useQuery } from '@tanstack/react-query'
import { Link, matchPath, NavLink, Route, Routes, useLocation } from 'react-router'
import { LiveIndicator } from './components/LiveIndicator'
import { TenantUsage } from './components/TenantUsage'
import { FailuresPage } from './routes/FailuresPage'
import { JobDetailPage } from './routes/JobDetailPage'
import { JobsPage } from './routes/JobsPage'
import { NewJobPage } from './routes/NewJobPage'
import { NewSchedulePage } from './routes/NewSchedulePage'
import { ScheduleDetailPage } from './routes/ScheduleDetailPage'
import { SchedulesPage } from './routes/SchedulesPage'
import { WorkersPage } from './routes/WorkersPage'
import { useSignedIn } from './services/auth'
import { LiveStatusContext, useLiveUpdates } from './services/events'
import { TENANT_USAGE_INTERVAL_MS, tenantUsageQuery } from './services/tenant'

const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * The job a page is about, if any: on a job's page the console follows that job's events only,
 * elsewhere every job's. One stream at a time, so the console never holds two connections.
 */
function useWatchedJob(): string | undefined {
  const id = matchPath('/jobs/:id', useLocation().pathname)?.params.id
  return id && JOB_ID.test(id) ? id : undefined
}

/** Who the console acts as, and what the tenant uses of its limits, asked for every 10 s. */
function Account() {
  const signedIn = useSignedIn()
  const { data } = useQuery({ ...tenantUsageQuery, enabled: signedIn !== undefined, refetchInterval: TENANT_USAGE_INTERVAL_MS })
  if (!signedIn) {
    return null
  }
  return <TenantUsage tenantId={signedIn.tenantId} keySource={signedIn.keySource} usage={data} onSignOut={signedIn.signOut} />
}

/** The console's frame: navigation, whether updates are live, who is signed in, and the pages. */
export function App() {
  const live = useLiveUpdates(useWatchedJob())
  return (
    <LiveStatusContext value={live}>
      <div className="app">
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="app__header">
          <Link to="/" className="app__brand">
            JobPlatform
          </Link>
          <nav className="app__nav" aria-label="Main">
            <NavLink to="/" end>
              Jobs
            </NavLink>
            <NavLink to="/jobs/new">New job</NavLink>
            <NavLink to="/schedules">Schedules</NavLink>
            <NavLink to="/failures">Failures</NavLink>
            <NavLink to="/workers">Workers</NavLink>
          </nav>
          <LiveIndicator status={live} />
          <Account />
        </header>
        <main className="app__main" id="main" tabIndex={-1}>
          <Routes>
            <Route path="/" element={<JobsPage />} />
            <Route path="/jobs/new" element={<NewJobPage />} />
            <Route path="/jobs/:id" element={<JobDetailPage />} />
            <Route path="/schedules" element={<SchedulesPage />} />
            <Route path="/schedules/new" element={<NewSchedulePage />} />
            <Route path="/schedules/:id" element={<ScheduleDetailPage />} />
            <Route path="/failures" element={<FailuresPage />} />
            <Route path="/workers" element={<WorkersPage />} />
            <Route
              path="*"
              element={
                <section className="state">
                  <title>Not found · JobPlatform</title>
                  <h1>There is no such page</h1>
                  <p>
                    <Link to="/">Back to the jobs</Link>
                  </p>
                </section>
              }
            />
          </Routes>
        </main>
      </div>
    </LiveStatusContext>
  )
}
