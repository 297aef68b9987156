import '@testing-library/jest-dom/vitest'
import { cleanup } from '@testing-library/react'
import { afterEach, beforeEach } from 'vitest'
import { setTokenSource } from '../services/api'
import { stubTokens } from './tokens'

// Every request in a test carries TEST_TOKEN, as if signed in; auth.test.ts and api.test.ts say otherwise.
beforeEach(() => {
  setTokenSource(stubTokens())
})

afterEach(() => {
  cleanup()
  setTokenSource(undefined)
})

// jsdom has <dialog> but not its methods: open and close it the way a browser would.
if (typeof HTMLDialogElement !== 'undefined' && !HTMLDialogElement.prototype.showModal) {
  HTMLDialogElement.prototype.showModal = function showModal(this: HTMLDialogElement) {
    this.setAttribute('open', '')
  }
  HTMLDialogElement.prototype.show = HTMLDialogElement.prototype.showModal
  HTMLDialogElement.prototype.close = function close(this: HTMLDialogElement) {
    if (this.hasAttribute('open')) {
      this.removeAttribute('open')
      this.dispatchEvent(new Event('close'))
    }
  }
}
