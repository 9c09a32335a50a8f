import type { Address } from 'viem'

/** A grant as the Consent contract holds it now (not as an event once said). */
export type GrantState = {
  grantee: Address
  /** Bit i = scopes[i] (src/core/scopes.ts). */
  scopesMask: number
  /** Unix seconds. */
  expiry: number
  revoked: boolean
  /** CID (string) of the key-fragment bundle. */
  bundleCid: string
  threshold: number
}

/**
 * What a proxy needs to know from the chain before every re-encryption. The chain
 * is the truth: implementations may cache events, but `grant` and `lastSession`
 * must reflect the current contract state (revocation takes effect at once).
 */
export interface GrantOracle {
  grant(grantId: bigint): Promise<GrantState | undefined>
  /** Unix seconds of the grantee's latest logged access session; 0 if none. */
  lastSession(grantId: bigint): Promise<number>
  /** The grantee's Umbral verifying key (33-byte compressed) from the Registry directory. */
  granteeKey(grantee: Address): Promise<Uint8Array | undefined>
  /** The contract's SESSION_TTL in seconds; the proxy's default applies when absent. */
  sessionTtl?(): Promise<number>
}
