import { describe, expect, it, vi } from 'vitest'
import { makeTokenWire, TEST_KEY } from '../test/tokens'
import { ApiError, type TokenWire } from './api'
import { AuthSession, PASTED_KEY_STORAGE_KEY, SIGNED_OUT_STORAGE_KEY, TOKEN_REFRESH_MARGIN_MS } from './auth'

const DEV_KEY = `jp_${'d'.repeat(43)}`

/** sessionStorage as a Map, to see what is kept. */
function memoryStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial))
  return {
    items,
    getItem: (name: string) => items.get(name) ?? null,
    setItem: (name: string, value: string) => void items.set(name, value),
    removeItem: (name: string) => void items.delete(name),
  }
}

/** A session whose exchanges answer tokens "t1", "t2", ... of 900 s, at a clock the test moves. */
function session(options: { devKey?: string; storage?: ReturnType<typeof memoryStorage>; exchange?: (key: string) => Promise<TokenWire> } = {}) {
  let now = Date.parse('2026-11-24T10:00:00Z')
  let issued = 0
  const exchange = vi.fn(options.exchange ?? (async () => makeTokenWire({ accessToken: `t${++issued}`, expiresIn: 900 })))
  const storage = options.storage ?? memoryStorage()
  const auth = new AuthSession({ devKey: options.devKey ?? DEV_KEY, storage, exchange, now: () => now })
  return { auth, exchange, storage, advance: (ms: number) => (now += ms) }
}

const refusal = () => new ApiError({ status: 401, title: 'Unauthorized', detail: 'The API key is not valid or was revoked.' })

describe('AuthSession', () => {
  it('starts signing in with the development key, and exchanges it for a token', async () => {
    const { auth, exchange } = session()
    expect(auth.getState()).toEqual({ status: 'signing-in' })

    await expect(auth.token()).resolves.toBe('t1')

    expect(exchange).toHaveBeenCalledWith(DEV_KEY)
    expect(auth.getState()).toEqual({ status: 'signed-in', tenantId: 'dev', keySource: 'dev' })
  })

  it('starts signed out, offering no development key, when there is no key at all', () => {
    const { auth } = session({ devKey: '' })
    expect(auth.getState()).toEqual({ status: 'signed-out', devKeyAvailable: false })
  })

  it('keeps the token until shortly before it expires, then exchanges the key again', async () => {
    const { auth, exchange, advance } = session()
    await auth.token()

    advance(900_000 - TOKEN_REFRESH_MARGIN_MS - 1)
    await expect(auth.token()).resolves.toBe('t1')
    advance(1)
    await expect(auth.token()).resolves.toBe('t2')

    expect(exchange).toHaveBeenCalledTimes(2)
  })

  it('shares one exchange among callers that ask at once', async () => {
    const { auth, exchange } = session()

    const tokens = await Promise.all([auth.token(), auth.token(), auth.renew('nothing')])

    expect(tokens).toEqual(['t1', 't1', 't1'])
    expect(exchange).toHaveBeenCalledOnce()
  })

  it('renews a token the Api refused, once however many requests were refused', async () => {
    const { auth, exchange } = session()
    await auth.token()

    await expect(auth.renew('t1')).resolves.toBe('t2')
    // A second request refused with the same old token gets the new one without another exchange.
    await expect(auth.renew('t1')).resolves.toBe('t2')

    expect(exchange).toHaveBeenCalledTimes(2)
  })

  it('signs out with the Api problem when the key itself is refused', async () => {
    const storage = memoryStorage({ [PASTED_KEY_STORAGE_KEY]: TEST_KEY })
    const { auth } = session({ storage, exchange: async () => Promise.reject(refusal()) })

    await expect(auth.token()).rejects.toMatchObject({ status: 401 })

    expect(auth.getState()).toEqual({
      status: 'signed-out',
      devKeyAvailable: true,
      problem: expect.objectContaining({ status: 401, detail: 'The API key is not valid or was revoked.' }),
    })
    expect(storage.items.has(PASTED_KEY_STORAGE_KEY)).toBe(false)
    await expect(auth.token()).rejects.toMatchObject({ title: 'Not signed in.' })
  })

  it('keeps signing in while the Api cannot answer, saying why', async () => {
    const down = new ApiError({ title: 'The Api could not be reached.', unreachable: true })
    const { auth, exchange } = session({ exchange: async () => Promise.reject(down) })

    await auth.resume()

    expect(auth.getState()).toMatchObject({ status: 'signing-in', problem: { unreachable: true } })
    exchange.mockResolvedValue(makeTokenWire({ accessToken: 'late' }))
    await auth.resume()
    expect(auth.getState()).toMatchObject({ status: 'signed-in' })
  })

  it('signs in with a pasted key and keeps it for the tab', async () => {
    const { auth, exchange, storage } = session({ devKey: '' })

    await expect(auth.signIn(` ${TEST_KEY} `)).resolves.toBeUndefined()

    expect(exchange).toHaveBeenCalledWith(TEST_KEY)
    expect(auth.getState()).toEqual({ status: 'signed-in', tenantId: 'dev', keySource: 'pasted' })
    expect(storage.items.get(PASTED_KEY_STORAGE_KEY)).toBe(TEST_KEY)
    // A reload of the tab starts from the pasted key.
    expect(new AuthSession({ devKey: DEV_KEY, storage, exchange }).getState()).toEqual({ status: 'signing-in' })
  })

  it('refuses what does not look like a key without asking the Api', async () => {
    const { auth, exchange } = session({ devKey: '' })

    await expect(auth.signIn('secret')).resolves.toMatchObject({ detail: 'An API key starts with jp_.' })

    expect(exchange).not.toHaveBeenCalled()
    expect(auth.getState().status).toBe('signed-out')
  })

  it('does not keep a pasted key the Api refused', async () => {
    const { auth, storage } = session({ devKey: '', exchange: async () => Promise.reject(refusal()) })

    await expect(auth.signIn(TEST_KEY)).resolves.toMatchObject({ status: 401 })

    expect(auth.getState()).toMatchObject({ status: 'signed-out', problem: { status: 401 } })
    expect(storage.items.has(PASTED_KEY_STORAGE_KEY)).toBe(false)
  })

  it('forgets the key and token on sign-out, and stays signed out on reload', async () => {
    const { auth, storage, exchange } = session({ devKey: DEV_KEY })
    await auth.signIn(TEST_KEY)
    const changes = vi.fn()
    auth.subscribe(changes)

    auth.signOut()

    expect(auth.getState()).toEqual({ status: 'signed-out', devKeyAvailable: true })
    expect(changes).toHaveBeenCalledOnce()
    expect(storage.items.has(PASTED_KEY_STORAGE_KEY)).toBe(false)
    expect(storage.items.get(SIGNED_OUT_STORAGE_KEY)).toBe('1')
    await expect(auth.token()).rejects.toMatchObject({ status: 401 })
    expect(new AuthSession({ devKey: DEV_KEY, storage, exchange }).getState().status).toBe('signed-out')

    await auth.signInWithDevKey()
    expect(auth.getState()).toEqual({ status: 'signed-in', tenantId: 'dev', keySource: 'dev' })
    expect(storage.items.has(SIGNED_OUT_STORAGE_KEY)).toBe(false)
  })

  it('drops the answer to an exchange that a sign-out overtook', async () => {
    let answer!: (wire: TokenWire) => void
    const { auth } = session({ exchange: () => new Promise<TokenWire>((resolve) => (answer = resolve)) })
    const pending = auth.token()

    auth.signOut()
    answer(makeTokenWire())

    await expect(pending).rejects.toMatchObject({ status: 401 })
    expect(auth.getState().status).toBe('signed-out')
  })
})
