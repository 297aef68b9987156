import { vi } from 'vitest'
import type { TokenSource, TokenWire } from '../services/api'

/** The token every test's requests carry, unless the test says otherwise. */
export const TEST_TOKEN = 'test-token'

/** A token source that always has `token`; its methods are mocks, to see what was asked. */
export function stubTokens(token = TEST_TOKEN) {
  return {
    token: vi.fn(async () => token),
    renew: vi.fn(async (_rejected: string) => token),
  } satisfies TokenSource
}

/** A well-formed API key, as the Api issues them: jp_ and 43 URL-safe characters. */
export const TEST_KEY = `jp_${'a'.repeat(43)}`

/** POST /api/v1/auth/token's answer: a token of tenant "dev" living `expiresIn` seconds. */
export function makeTokenWire(overrides: Partial<TokenWire> = {}): TokenWire {
  const expiresIn = overrides.expiresIn ?? 900
  return {
    accessToken: 'eyJ.token.1',
    tokenType: 'Bearer',
    expiresIn,
    expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString(),
    tenantId: 'dev',
    ...overrides,
  }
}
