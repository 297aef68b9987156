import { fireEvent, render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { TEST_KEY } from '../test/tokens'
import { SignInForm } from './SignInForm'

describe('SignInForm', () => {
  it('asks for the key in a password field and says where to get one', () => {
    render(<SignInForm onSignIn={vi.fn()} />)

    const input = screen.getByLabelText('API key')
    expect(input).toHaveAttribute('type', 'password')
    expect(input).toHaveAccessibleDescription(/Paste an API key \(jp_…\) issued by your administrator/)
    expect(screen.queryByRole('button', { name: 'Use the development key' })).not.toBeInTheDocument()
  })

  it('signs in with the pasted key', async () => {
    const onSignIn = vi.fn(async () => undefined)
    render(<SignInForm onSignIn={onSignIn} />)

    fireEvent.change(screen.getByLabelText('API key'), { target: { value: ` ${TEST_KEY}\n` } })
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

    expect(onSignIn).toHaveBeenCalledWith(TEST_KEY)
    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeEnabled()
  })

  it('says a key starts with jp_ before asking the Api', () => {
    const onSignIn = vi.fn()
    render(<SignInForm onSignIn={onSignIn} />)

    fireEvent.change(screen.getByLabelText('API key'), { target: { value: 'hunter2' } })
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))

    expect(onSignIn).not.toHaveBeenCalled()
    expect(screen.getByLabelText('API key')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByLabelText('API key')).toHaveAccessibleDescription(/An API key starts with jp_; this one does not\./)
  })

  it("shows the Api's problem with a refused key", () => {
    render(<SignInForm onSignIn={vi.fn()} problem={{ status: 401, title: 'Unauthorized', detail: 'The API key was revoked.' }} />)

    const alert = screen.getByRole('alert')
    expect(alert).toHaveTextContent('Unauthorized')
    expect(alert).toHaveTextContent('The API key was revoked.')
  })

  it('offers the development key again when there is one', () => {
    const onUseDevKey = vi.fn()
    render(<SignInForm onSignIn={vi.fn()} onUseDevKey={onUseDevKey} />)

    fireEvent.click(screen.getByRole('button', { name: 'Use the development key' }))

    expect(onUseDevKey).toHaveBeenCalledOnce()
  })
})
