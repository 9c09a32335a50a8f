import { scopes as allScopes, type Scope } from '../scopes.ts'

/** What scopeEpochs needs of one of the patient's grants, as found on chain. */
export type GrantForEpochs = { scopes: readonly Scope[]; revoked: boolean }

/**
 * The current key epoch of every scope: how many of the patient's grants covering it
 * were revoked. Each revocation moves its scopes to a new epoch, so records added after
 * it are sealed to keys the revoked grant's fragments cannot open, even with colluding
 * proxies. Computed from the chain alone, so every device of the patient (and a restore
 * from backup) agrees without keeping a counter.
 */
export function scopeEpochs(grants: readonly GrantForEpochs[]): Record<Scope, number> {
  const epochs = Object.fromEntries(allScopes.map((scope) => [scope, 0])) as Record<Scope, number>
  for (const grant of grants) if (grant.revoked) for (const scope of new Set(grant.scopes)) epochs[scope]++
  return epochs
}
