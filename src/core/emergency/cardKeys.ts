import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, type Hex } from 'viem'

/**
 * Everything an emergency card opens, derived from its 32-byte secret under separate
 * labels (HKDF-SHA256): the card's account (it submits the card's grant and signs as its
 * grantee), the seed of its Umbral receiving key, and the key of the minimum embedded in
 * the QR code. Knowing one derived key tells nothing of the others or of the secret.
 *
 * (glass's minimal version of the interface ecore owns; the lead keeps ecore's.)
 */
export const cardSecretBytes = 32

/** The label to pass with `umbralSeed` to `labelledSecretKey` (as ecore's cardKeys.ts names it). */
export const cardUmbralLabel = 'emergency-card/receiving/v1'

export type CardKeys = { accountPrivateKey: Hex; umbralSeed: Uint8Array; minimumKey: Uint8Array }

const secp256k1Order = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

export function cardKeys(cardSecret: Uint8Array): CardKeys {
  if (!(cardSecret instanceof Uint8Array) || cardSecret.byteLength !== cardSecretBytes) throw new TypeError(`a card secret is ${cardSecretBytes} bytes`)
  const derive = (label: string) => hkdf(sha256, cardSecret, new TextEncoder().encode('salus.emergency-card.v1'), new TextEncoder().encode(label), 32)
  // A 32-byte HKDF output is a valid secp256k1 key but with probability ~2^-128; count on, don't hope.
  let account = derive('account')
  for (let i = 1; !validScalar(account); i++) account = derive(`account/${i}`)
  return { accountPrivateKey: bytesToHex(account), umbralSeed: derive('umbral'), minimumKey: derive('minimum') }
}

function validScalar(bytes: Uint8Array): boolean {
  const value = BigInt(bytesToHex(bytes))
  return value > 0n && value < secp256k1Order
}
