import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { randomBytes } from '@noble/ciphers/utils.js'
import { DecryptionFailedError } from './decryptionFailedError.ts'

/** XChaCha20-Poly1305's 24-byte nonce is large enough to pick at random for every message. */
export const xchachaNonceBytes = 24
export const xchachaTagBytes = 16

/** Encrypts a small message (fits in memory); output = nonce || ciphertext || tag. */
export function sealSmall(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKey(key)
  const nonce = randomBytes(xchachaNonceBytes)
  const ciphertext = xchacha20poly1305(key, nonce, aad).encrypt(plaintext)
  const sealed = new Uint8Array(xchachaNonceBytes + ciphertext.byteLength)
  sealed.set(nonce, 0)
  sealed.set(ciphertext, xchachaNonceBytes)
  return sealed
}

/** Reverses `sealSmall`; throws `DecryptionFailedError` on any alteration or a wrong key or aad. */
export function openSmall(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  checkKey(key)
  if (sealed.byteLength < xchachaNonceBytes + xchachaTagBytes) {
    throw new DecryptionFailedError({ details: `sealed message of ${sealed.byteLength} bytes is shorter than nonce + tag` })
  }
  const nonce = sealed.subarray(0, xchachaNonceBytes)
  try {
    return xchacha20poly1305(key, nonce, aad).decrypt(sealed.subarray(xchachaNonceBytes))
  } catch (cause) {
    throw new DecryptionFailedError({ cause })
  }
}

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.byteLength !== 32) throw new TypeError('XChaCha20-Poly1305 key must be 32 bytes')
}
