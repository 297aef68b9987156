import { Link } from 'react-router'

/**
 * The command the empty state offers: the Api's usual local address, the development tenant's key
 * (the AppHost keeps it in .jobplatform/dev-tenant.key; run from the repository), a 200-task sleep job.
 */
export const SUBMIT_JOB_CURL =
  "curl -X POST http://localhost:5080/api/v1/jobs -H 'Content-Type: application/json' " +
  '-H "Authorization: Bearer $(cat .jobplatform/dev-tenant.key)" ' +
  `-d '{"name":"demo","type":"sleep","taskCount":200,"parameters":{"ms":10}}'`

/** Shown when the Api has no jobs: tells the user how to submit the first one. */
export function EmptyJobs() {
  return (
    <section className="state" aria-labelledby="empty-jobs-title">
      <h2 id="empty-jobs-title">No jobs yet</h2>
      <p>
        <Link to="/jobs/new">Submit one</Link> with the form, or send one to the Api with your API key (from the repository
        folder, the development tenant's); it appears here at once:
      </p>
      <pre className="command">
        <code>{SUBMIT_JOB_CURL}</code>
      </pre>
    </section>
  )
}
