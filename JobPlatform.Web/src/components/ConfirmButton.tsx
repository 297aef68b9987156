import { useRef, useState } from 'react'

export interface ConfirmButtonProps {
  label: string
  question: string
  confirmLabel: string
  onConfirm: () => Promise<unknown>
  disabled?: boolean
}

/** A button that asks first, in a native modal dialog (focus and Escape handled by the browser). */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, disabled }: ConfirmButtonProps) {
  const dialog = useRef<HTMLDialogElement>(null)
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
      <dialog ref={dialog} className="confirm" aria-label={label}>
        <p>{question}</p>
        <div className="confirm__actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            No
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  )
}
