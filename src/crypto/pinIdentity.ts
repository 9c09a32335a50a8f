import { ed25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'

/**
 * The key a patient signs care-node requests (pins, heads) with: Ed25519, derived
 * from the PRE master seed and the care node's peer id, so each care node sees its
 * own key for the patient and two care nodes cannot link one patient by it.
 */
export type PinIdentity = { secretKey: Uint8Array; publicKey: Uint8Array }

export const pinIdentityKeyBytes = 32
export const pinSignatureBytes = 64

export function pinIdentity(preMasterSeed: Uint8Array, carePeerId: string): PinIdentity {
  if (!(preMasterSeed instanceof Uint8Array) || preMasterSeed.byteLength !== 32) throw new TypeError('PRE master seed must be 32 bytes')
  const secretKey = hkdf(sha256, preMasterSeed, new TextEncoder().encode('salus/pin-identity/v1'), new TextEncoder().encode(carePeerId), 32)
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) }
}

export function signPinMessage(identity: PinIdentity, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, identity.secretKey)
}

/** False for a wrong or malformed signature or key; never throws. */
export function verifyPinMessage(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed25519.verify(signature, message, publicKey)
  } catch {
    return false
  }
}

/**
 * Registration work: the smallest counter whose sha256(challenge ‖ counter) starts
 * with `bits` zero bits. About 2^bits hashes to find, one to check.
 */
export function findWork(challenge: Uint8Array, bits: number): number {
  for (let counter = 0; counter < Number.MAX_SAFE_INTEGER; counter++) {
    if (checkWork(challenge, counter, bits)) return counter
  }
  throw new RangeError('no work found')
}

export function checkWork(challenge: Uint8Array, counter: number, bits: number): boolean {
  if (!Number.isSafeInteger(counter) || counter < 0) return false
  const input = new Uint8Array(challenge.byteLength + 8)
  input.set(challenge)
  new DataView(input.buffer).setBigUint64(challenge.byteLength, BigInt(counter))
  const digest = sha256(input)
  let remaining = bits
  for (const byte of digest) {
    if (remaining <= 0) return true
    if (remaining >= 8) {
      if (byte !== 0) return false
      remaining -= 8
    } else {
      return byte >> (8 - remaining) === 0
    }
  }
  return remaining <= 0
}
