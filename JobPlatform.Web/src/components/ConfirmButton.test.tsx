import { act, fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { ConfirmButton } from './ConfirmButton'

function renderButton(onConfirm: () => Promise<unknown> = vi.fn().mockResolvedValue(undefined)) {
  render(<ConfirmButton label="Cancel job" question="Cancel demo?" confirmLabel="Yes, cancel job" onConfirm={onConfirm} />)
  return { onConfirm, dialog: () => screen.getByRole('dialog', { hidden: true }) as HTMLDialogElement }
}

describe('ConfirmButton', () => {
  it('asks in a dialog before acting', () => {
    const { onConfirm, dialog } = renderButton()
    expect(dialog().open).toBe(false)

    fireEvent.click(screen.getByRole('button', { name: 'Cancel job' }))

    expect(dialog().open).toBe(true)
    expect(screen.getByRole('dialog', { name: 'Cancel demo?' })).toBeInTheDocument()
    expect(onConfirm).not.toHaveBeenCalled()
  })

  it('does nothing when the answer is no', () => {
    const { onConfirm, dialog } = renderButton()
    fireEvent.click(screen.getByRole('button', { name: 'Cancel job' }))

    fireEvent.click(screen.getByRole('button', { name: 'No' }))

    expect(dialog().open).toBe(false)
    expect(onConfirm).not.toHaveBeenCalled()
  })

  it('acts once on yes, disabled while the action runs, then closes', async () => {
    let finish!: () => void
    const onConfirm = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)))
    const { dialog } = renderButton(onConfirm)
    fireEvent.click(screen.getByRole('button', { name: 'Cancel job' }))

    fireEvent.click(screen.getByRole('button', { name: 'Yes, cancel job' }))
    const working = screen.getByRole('button', { name: 'Working…' })
    expect(working).toBeDisabled()
    fireEvent.click(working)
    expect(onConfirm).toHaveBeenCalledTimes(1)

    await act(async () => finish())
    expect(dialog().open).toBe(false)
    expect(screen.getByRole('button', { name: 'Cancel job' })).toBeEnabled()
  })
})
