import { labelledSecretKey, type SecretKey } from '../../crypto/umbral.ts'

/** How many times a patient may rotate their request code; a bound, so a stored number is checked. */
export const maxRequestCodeRotation = 1_000

/**
 * The secret key of the patient's request mailbox: a key of its own (never the identity
 * or a scope key), derived from the PRE master seed. Rotating the code moves to the next
 * `rotation`: requests sealed to an old code are no longer taken.
 */
export function requestMailboxKey(preMasterSeed: Uint8Array, rotation = 0): SecretKey {
  if (!Number.isSafeInteger(rotation) || rotation < 0 || rotation > maxRequestCodeRotation) throw new RangeError('request code rotation out of range')
  return labelledSecretKey(preMasterSeed, `care-loop/request-mailbox/${rotation}`)
}

/** The request mailbox's address (33-byte compressed public key) and secret key bytes (for a signed pickup). */
export function requestMailbox(preMasterSeed: Uint8Array, rotation = 0): { address: Uint8Array; secretKey: Uint8Array } {
  const key = requestMailboxKey(preMasterSeed, rotation)
  const publicKey = key.publicKey()
  try {
    return { address: publicKey.toCompressedBytes(), secretKey: key.toBEBytes() }
  } finally {
    publicKey.free()
    key.free()
  }
}
