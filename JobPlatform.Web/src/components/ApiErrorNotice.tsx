export interface ApiErrorNoticeProps {
  /** True when no answer came from the Api at all (it is down or not started). */
  unreachable: boolean
  /** The problem's title when the Api did answer. */
  title?: string
  detail?: string
  /** True when older data is still on screen below the notice. */
  stale?: boolean
}

/** Says why the jobs could not be loaded and what to do about it. */
export function ApiErrorNotice({ unreachable, title, detail, stale = false }: ApiErrorNoticeProps) {
  const retry = stale
    ? 'The list below is from the last successful refresh; it will update once the Api answers again.'
    : 'This page retries every 2 seconds and will recover on its own.'
  return (
    <section className="notice notice--error" role="alert">
      {unreachable ? (
        <>
          <h2>Could not reach the Api</h2>
          <p>
            Check that the AppHost is running (<code>dotnet run --project JobPlatform.AppHost</code>) and that
            the Api has started. {retry}
          </p>
        </>
      ) : (
        <>
          <h2>{title ?? 'The Api returned an error'}</h2>
          {detail && <p>{detail}</p>}
          <p>{retry}</p>
        </>
      )}
    </section>
  )
}
