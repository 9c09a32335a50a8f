import type { Address } from 'viem'
import type { Scope } from '../core/scopes.ts'
import type { ChainGrantOracle } from './chainGrantOracle.ts'
import type { EmergencyOracle, GrantState } from './grantOracle.ts'

export type CachedGrantOracleParameters = {
  /** A grant's state and last session are read again after this long (default 1 s). */
  ttlMs?: number
  /**
   * A grant id no GrantCreated event announced is answered "unknown" without a chain
   * read while the last event sync is younger than this (default 5 s; the proxy syncs
   * every 4 s). A grant made since then is found by the next sync.
   */
  unknownForMs?: number
  now?: () => number
}

/**
 * A proxy's grant oracle with a short memory, so a flood of requests costs the chain
 * nothing: ids that no grant event announced are refused from the event cache, and a
 * grant's state is read at most once per `ttlMs` however many requests name it.
 * Revocations seen in events drop the cached state at once; otherwise a revocation takes
 * effect within `ttlMs`.
 */
export function cachedGrantOracle(inner: ChainGrantOracle, { ttlMs = 1_000, unknownForMs = 5_000, now = Date.now }: CachedGrantOracleParameters = {}): ChainGrantOracle {
  const known = new Set<bigint>()
  const grants = new Map<bigint, { value: Promise<GrantState | undefined>; until: number }>()
  // Per grant, per scope (sessions are per scope).
  const sessions = new Map<bigint, Map<Scope, { value: Promise<number>; until: number }>>()
  let lastSynced = Number.NEGATIVE_INFINITY

  const unknown = (grantId: bigint) => !known.has(grantId) && now() - lastSynced < unknownForMs

  function cached<K, T>(map: Map<K, { value: Promise<T>; until: number }>, grantId: K, read: () => Promise<T>): Promise<T> {
    const entry = map.get(grantId)
    if (entry && entry.until > now()) return entry.value
    const value = read()
    map.set(grantId, { value, until: now() + ttlMs })
    // A failed read is not remembered.
    value.catch(() => {
      if (map.get(grantId)?.value === value) map.delete(grantId)
    })
    if (map.size > 10_000) {
      for (const [id, old] of map) if (old.until <= now()) map.delete(id)
    }
    return value
  }

  const inEmergency = inner.emergency
  // Role and break-glass reads keep the same short memory as grant state (a decertification takes effect within ttlMs).
  const roles = new Map<string, { value: Promise<boolean>; until: number }>()
  const breaks = new Map<string, { value: Promise<number>; until: number }>()
  const emergency: EmergencyOracle | undefined = inEmergency && {
    isResponder: (account) => cached(roles, account.toLowerCase(), () => inEmergency.isResponder(account)),
    breakGlassAt: (grantId, responder) => cached(breaks, `${grantId}:${responder.toLowerCase()}`, () => inEmergency.breakGlassAt(grantId, responder)),
    breakGlassTtl: () => inEmergency.breakGlassTtl(),
  }

  return {
    ...(emergency ? { emergency } : {}),
    async sync() {
      const result = await inner.sync()
      for (const id of result.created) known.add(id)
      for (const id of result.revoked) {
        grants.delete(id)
        sessions.delete(id)
      }
      lastSynced = now()
      return result
    },
    async grant(grantId) {
      if (unknown(grantId)) return undefined
      const state = await cached(grants, grantId, () => inner.grant(grantId))
      if (state) known.add(grantId)
      return state
    },
    async lastSession(grantId, scope) {
      if (unknown(grantId)) return 0
      let byScope = sessions.get(grantId)
      if (!byScope) sessions.set(grantId, (byScope = new Map()))
      if (sessions.size > 10_000) for (const [id] of sessions) if (id !== grantId && sessions.size > 10_000) sessions.delete(id)
      return cached(byScope, scope, () => inner.lastSession(grantId, scope))
    },
    granteeKey(grantee: Address) {
      return inner.granteeKey(grantee)
    },
    sessionTtl() {
      return inner.sessionTtl?.() ?? Promise.resolve(3600)
    },
  }
}
