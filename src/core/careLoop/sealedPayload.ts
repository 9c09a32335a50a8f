import { Capsule, decryptOriginal, encrypt, publicKeyFromBytes, type SecretKey } from '../../crypto/umbral.ts'
import { SalusError } from '../../errors/salusError.ts'

/** Format byte, then the Umbral capsule (105 bytes in umbral-pre 0.11), then the ciphertext (ChaCha20-Poly1305 under the capsule's key). */
const version = 1
const capsuleBytes = 105
/** Far above any care-loop message; a mailbox payload is refused before any cryptography above this. */
export const maxSealedBytes = 64 * 1024

/** A mailbox payload that does not open with this key (not for us, damaged, or not a sealed payload). */
export class SealedPayloadError extends SalusError {
  override name = 'SealedPayloadError' as const
  constructor(details: string) {
    super('A message in your mailbox could not be opened: it was not sealed to you or was damaged.', { details })
  }
}

/** Seals bytes to a 33-byte mailbox address (secp256k1 public key); only its secret key opens them. */
export function sealToAddress(address: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const publicKey = publicKeyFromBytes(address)
  try {
    const [capsule, ciphertext] = encrypt(publicKey, plaintext)
    const capsuleBytesOut = capsule.toBytes()
    capsule.free()
    const out = new Uint8Array(1 + capsuleBytesOut.byteLength + ciphertext.byteLength)
    out[0] = version
    out.set(capsuleBytesOut, 1)
    out.set(ciphertext, 1 + capsuleBytesOut.byteLength)
    if (out.byteLength > maxSealedBytes) throw new RangeError('sealed payload too large for a mailbox')
    return out
  } finally {
    publicKey.free()
  }
}

/** Opens a payload sealed with `sealToAddress`; SealedPayloadError for anything else. */
export function openSealed(secretKey: SecretKey, sealed: Uint8Array): Uint8Array {
  if (!(sealed instanceof Uint8Array) || sealed.byteLength > maxSealedBytes) throw new SealedPayloadError('payload too large')
  if (sealed.byteLength < 1 + capsuleBytes + 16 || sealed[0] !== version) throw new SealedPayloadError('not a sealed payload')
  let capsule: Capsule | undefined
  try {
    capsule = Capsule.fromBytes(sealed.subarray(1, 1 + capsuleBytes))
    return decryptOriginal(secretKey, capsule, sealed.subarray(1 + capsuleBytes))
  } catch (error) {
    throw new SealedPayloadError(error instanceof Error ? error.message : 'decryption failed')
  } finally {
    capsule?.free()
  }
}
