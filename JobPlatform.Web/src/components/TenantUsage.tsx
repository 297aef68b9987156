import { formatCount, plural } from '../services/format'
import type { KeySource } from '../services/auth'
import type { TenantUsageWire } from '../services/tenant'

export interface TenantUsageProps {
  tenantId: string
  /** How the console signed in: the dev server's key or a pasted one. */
  keySource: KeySource
  /** GET /api/v1/tenants/me, once it has answered. */
  usage?: TenantUsageWire
  onSignOut: () => void
}

/**
 * The header's account corner: the tenant the console acts as, what it uses of its limits (running
 * of the most it may run at once, queued, its rate limit), and Sign out.
 */
export function TenantUsage({ tenantId, keySource, usage, onSignOut }: TenantUsageProps) {
  return (
    <div className="tenant">
      <span className="tenant__id" title={keySource === 'dev' ? 'Signed in with the development key.' : 'Signed in with a pasted API key.'}>
        Tenant <strong>{tenantId}</strong>
      </span>
      {usage && (
        <span className="tenant__usage" data-testid="tenant-usage">
          <span title="Tasks running now, of the most this tenant may run at once.">
            {formatCount(usage.runningTasks)} / {formatCount(usage.limits.maxRunningTasks)} running
          </span>
          {' · '}
          <span title={`Tasks waiting for a worker or a free slot. Unfinished tasks: ${formatCount(usage.unfinishedTasks)} of the ${formatCount(usage.limits.maxUnfinishedTasks)} this tenant may have; finished jobs are kept ${plural(usage.limits.jobRetentionDays, 'day')}.`}>
            {formatCount(usage.queuedTasks)} queued
          </span>
          {' · '}
          <span title={`Requests a minute, with bursts of up to ${formatCount(usage.limits.rateLimitBurst)}.`}>
            {plural(usage.limits.rateLimitPerMinute, 'request')}/min
          </span>
        </span>
      )}
      <button type="button" className="tenant__sign-out" onClick={onSignOut}>
        Sign out
      </button>
    </div>
  )
}
