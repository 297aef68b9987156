import { useId, useState, type FormEvent } from 'react'
import { API_KEY_PREFIX, type AuthProblem } from '../services/auth'

export interface SignInFormProps {
  /** Signs in with the key; resolves to the problem when it was refused, undefined once signed in. */
  onSignIn: (key: string) => Promise<AuthProblem | undefined>
  /** Why the last sign-in failed or the session ended: the Api's problem. */
  problem?: AuthProblem
  /** Offers the development key again when the dev server passed one (after a sign-out). */
  onUseDevKey?: () => void
}

/** The heading a problem gets: a 429 says when to try again, an unreachable Api says so. */
function problemTitle(problem: AuthProblem): string {
  if (problem.unreachable) {
    return 'Could not reach the Api'
  }
  return problem.title
}

/**
 * The sign-in screen: a password field for a tenant's API key, checked to start with jp_ before the
 * Api is asked, and the Api's problem when it refuses the key. The key is kept for this tab only.
 */
export function SignInForm({ onSignIn, problem, onUseDevKey }: SignInFormProps) {
  const id = useId()
  const [key, setKey] = useState('')
  const [invalid, setInvalid] = useState<string>()
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const trimmed = key.trim()
    if (!trimmed.startsWith(API_KEY_PREFIX)) {
      setInvalid(trimmed ? `An API key starts with ${API_KEY_PREFIX}; this one does not.` : 'Paste an API key first.')
      return
    }
    setInvalid(undefined)
    setBusy(true)
    try {
      await onSignIn(trimmed)
    } finally {
      setBusy(false)
    }
  }

  const helpId = `${id}-help`
  const errorId = `${id}-error`
  return (
    <section className="sign-in" aria-labelledby={`${id}-title`}>
      <title>Sign in · JobPlatform</title>
      <h1 id={`${id}-title`}>Sign in</h1>
      {problem && !invalid && (
        <div className="notice notice--error" role="alert">
          <h2>{problemTitle(problem)}</h2>
          {problem.detail && <p>{problem.detail}</p>}
        </div>
      )}
      <form className="job-form" onSubmit={(event) => void submit(event)} noValidate>
        <div className="field">
          <label htmlFor={id}>API key</label>
          <input
            id={id}
            type="password"
            autoComplete="off"
            spellCheck={false}
            value={key}
            onChange={(event) => setKey(event.target.value)}
            aria-describedby={[invalid ? errorId : '', helpId].filter(Boolean).join(' ')}
            aria-invalid={invalid ? true : undefined}
            placeholder={`${API_KEY_PREFIX}…`}
          />
          <p className="field__help" id={helpId}>
            Paste an API key ({API_KEY_PREFIX}…) issued by your administrator. The console keeps it for this tab only and
            forgets it when you sign out.
          </p>
          {invalid && (
            <p className="field__error" id={errorId}>
              {invalid}
            </p>
          )}
        </div>
        <div className="job-form__actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
          {onUseDevKey && (
            <button type="button" onClick={onUseDevKey} disabled={busy}>
              Use the development key
            </button>
          )}
        </div>
      </form>
    </section>
  )
}
