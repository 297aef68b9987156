import { queryOptions } from '@tanstack/react-query'
import { getJson } from './api'
import type { components } from './schema'

// ---- Wire types: generated from the Api's OpenAPI document (npm run gen:api). ----

/** GET /api/v1/tenants/me: the signed-in tenant, its limits, and what it has running and queued now. */
export type TenantUsageWire = components['schemas']['TenantUsageResponse']

/** How often the header asks for the tenant's usage again. Defaults to 10 s. */
export const TENANT_USAGE_INTERVAL_MS = 10_000

export const tenantKeys = {
  all: ['tenant'] as const,
  me: () => [...tenantKeys.all, 'me'] as const,
}

/** The signed-in tenant's limits and usage. */
export const tenantUsageQuery = queryOptions({
  queryKey: tenantKeys.me(),
  queryFn: ({ signal }) => getJson<TenantUsageWire>('/api/v1/tenants/me', signal),
})
