import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, type Hex } from 'viem'
import { EmergencyCardFormatError } from './emergencyErrors.ts'

export const cardSecretBytes = 32

/** Everything an emergency card opens, each from its own label so one leaking says nothing of the others. */
export type CardKeys = {
  /** The card's own account: it submits the `summary` grant to itself and signs care-node requests as grantee. */
  accountPrivateKey: Hex
  /** Seed for crypto/umbral.ts `labelledSecretKey(umbralSeed, cardUmbralLabel)`: the card's Umbral receiving key. */
  umbralSeed: Uint8Array
  /** AES-256-GCM key of the minimum embedded in the QR (minimum.ts). */
  minimumKey: Uint8Array
  /** The open card's SMART Health Link key (32 bytes, base64url in the link); rotates with the card. */
  shlKey: Uint8Array
}

/** The label to pass with `umbralSeed` to `labelledSecretKey`. */
export const cardUmbralLabel = 'emergency-card/receiving/v1'

const encoder = new TextEncoder()
const derive = (secret: Uint8Array, label: string, length = 32) =>
  hkdf(sha256, secret, undefined, encoder.encode(`salus/emergency-card/${label}/v1`), length)

/** A fresh card secret: 32 bytes from the platform's random source. */
export function newCardSecret(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(cardSecretBytes))
}

/** The card's keys, derived with labelled HKDF-SHA256 from the 32-byte card secret. */
export function cardKeys(cardSecret: Uint8Array): CardKeys {
  if (!(cardSecret instanceof Uint8Array) || cardSecret.length !== cardSecretBytes) {
    throw new EmergencyCardFormatError(`the card secret must be ${cardSecretBytes} bytes`)
  }
  // 48 bytes reduced modulo n - 1, plus one: a valid secp256k1 scalar with negligible bias (FIPS 186 B.4.1).
  const wide = derive(cardSecret, 'account', 48)
  const n = secp256k1.Point.CURVE().n
  const scalar = (BigInt(bytesToHex(wide)) % (n - 1n)) + 1n
  return {
    accountPrivateKey: `0x${scalar.toString(16).padStart(64, '0')}`,
    umbralSeed: derive(cardSecret, 'umbral'),
    minimumKey: derive(cardSecret, 'minimum'),
    shlKey: derive(cardSecret, 'shl'),
  }
}
