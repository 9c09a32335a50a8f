import type { Address } from 'viem'
import type { Scope } from '../core/scopes.ts'

/** A grant as the Consent contract holds it now (not as an event once said). */
export type GrantState = {
  grantee: Address
  /** Bit i = scopes[i] (src/core/scopes.ts). */
  scopesMask: number
  /** Unix seconds. */
  expiry: number
  revoked: boolean
  /** CID (string) of the grant's current key-fragment bundle (its last GrantCreated or GrantReissued), '' if none is bound. */
  bundleCid: string
  threshold: number
  /** Poseidon(identitySecret, grantee), as the proof showed. */
  pseudonym: bigint
  /** The salted commitment to the proxies that goes with bundleCid. */
  proxiesHash: bigint
  /** The deployment the grant lives on: a bundle must be bound to it. */
  chainId: number
  consent: Address
}

/**
 * What a proxy needs to know from the chain before every re-encryption. The chain
 * is the truth: implementations may cache events, but `grant` and `lastSession`
 * must reflect the current contract state (revocation takes effect at once).
 */
export interface GrantOracle {
  grant(grantId: bigint): Promise<GrantState | undefined>
  /** Unix seconds of the grantee's latest logged access session on `scope` (sessions are per scope); 0 if none. */
  lastSession(grantId: bigint, scope: Scope): Promise<number>
  /** The grantee's Umbral verifying key (33-byte compressed) from the Registry directory. */
  granteeKey(grantee: Address): Promise<Uint8Array | undefined>
  /** The contract's SESSION_TTL in seconds; the proxy's default applies when absent. */
  sessionTtl?(): Promise<number>
  /**
   * Break-glass reads of emergency cards (contracts/Emergency.sol). An oracle without
   * them (no Emergency contract configured) makes the proxy refuse every break-glass read.
   */
  emergency?: EmergencyOracle
}

export type EmergencyOracle = {
  /** Whether `account` holds RESPONDER in the Registry now (read from the chain, not an event). */
  isResponder(account: Address): Promise<boolean>
  /** Unix seconds of `responder`'s last break-glass event on the grant; 0 if none. */
  breakGlassAt(grantId: bigint, responder: Address): Promise<number>
  /** The contract's BREAK_GLASS_TTL in seconds. */
  breakGlassTtl(): Promise<number>
}
