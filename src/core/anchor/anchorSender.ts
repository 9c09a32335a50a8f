import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, type Hex } from 'viem'

/** secp256k1 group order: a private key must be in [1, n). */
const curveOrder = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
const encoder = new TextEncoder()

/**
 * The private key of the one-off account that sends the vault's `index`-th anchor batch.
 * Derived from the vault key, so nobody else can link the senders to each other or to
 * the patient, while the patient's own keys find them again in a fresh browser (batch 0's
 * sender having anchored means this account has records to restore).
 */
export function anchorSenderKey(vaultKey: Uint8Array, index: number): Hex {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad anchor sender index ${index}`)
  for (let attempt = 0; ; attempt++) {
    const bytes = hkdf(sha256, vaultKey, undefined, encoder.encode(`salus/anchor-sender/v1/${index}/${attempt}`), 32)
    const scalar = BigInt(bytesToHex(bytes))
    if (scalar > 0n && scalar < curveOrder) return bytesToHex(bytes)
  }
}
