import { useId, useRef, useState } from 'react'

export interface ConfirmButtonProps {
  label: string
  /** The question the dialog asks, saying what will happen. */
  question: string
  confirmLabel: string
  /** The button that closes the dialog without acting. Defaults to "No". */
  dismissLabel?: string
  onConfirm: () => Promise<unknown>
  disabled?: boolean
}

/**
 * A button that asks first, in a native modal dialog: the browser traps focus in it, Escape
 * closes it, and focus returns to the button afterwards. The confirm button stays disabled while
 * the action runs, so a double click acts once.
 */
export function ConfirmButton({ label, question, confirmLabel, dismissLabel = 'No', onConfirm, disabled }: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null)
  const questionId = useId()
  const [busy, setBusy] = useState(false)

  const confirm = async () => {
    setBusy(true)
    try {
      await onConfirm()
    } finally {
      setBusy(false)
      dialog.current?.close()
    }
  }

  return (
    <>
      <button type="button" disabled={disabled || busy} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} className="confirm" aria-labelledby={questionId}>
        <p id={questionId}>{question}</p>
        <div className="confirm__actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            {dismissLabel}
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  )
}
