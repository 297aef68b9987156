import { rateLimitedTitle } from '../services/api'
import type { ReactNode } from 'react'

export interface ApiErrorNoticeProps {
  /** True when no answer came from the Api at all (it is down or not started). */
  unreachable: boolean
  /** The problem's title when the Api did answer. */
  title?: string
  detail?: string
  /** Seconds to wait, when the Api answered 429: the tenant is over its rate limit. */
  retryAfter?: number
  /** True when older data is still on screen below the notice. */
  stale?: boolean
  /** True when the page asks again by itself. Defaults to true. */
  retrying?: boolean
  /** What the user can do instead, e.g. a link back. */
  children?: ReactNode
}

/** Says why a page could not load and what to do about it; a rate limit says when to try again. */
export function ApiErrorNotice({ unreachable, title, detail, retryAfter, stale = false, retrying = true, children }: ApiErrorNoticeProps) {
  const next = stale
    ? 'What is shown below is from the last successful refresh; it updates once the Api answers again.'
    : retrying
      ? 'This page asks again every 2 seconds and recovers on its own.'
      : undefined
  return (
    <section className="notice notice--error" role="alert">
      {unreachable ? (
        <>
          <h2>Could not reach the Api</h2>
          <p>
            The Api at <code>/api</code> is not answering. Check that the AppHost is running (
            <code>dotnet run --project JobPlatform.AppHost</code>) and that the Api has started.
          </p>
        </>
      ) : retryAfter !== undefined ? (
        <>
          <h2>{rateLimitedTitle(retryAfter)}</h2>
          <p>{detail ?? 'This tenant sent more requests than its rate limit allows.'}</p>
        </>
      ) : (
        <>
          <h2>{title ?? 'The Api returned an error'}</h2>
          {detail && <p>{detail}</p>}
        </>
      )}
      {next && <p>{next}</p>}
      {children && <p>{children}</p>}
    </section>
  )
}
