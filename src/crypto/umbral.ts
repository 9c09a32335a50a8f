import * as umbral from '@nucypher/umbral-pre'
import { SalusError } from '../errors/salusError.ts'

/**
 * Thin wrapper over Umbral proxy re-encryption (`@nucypher/umbral-pre`). In Node the
 * package loads its pkg-node build; in the browser Vite serves pkg-bundler through
 * vite-plugin-wasm, so the wasm is ready once this module has been imported.
 */
export type UmbralModule = typeof umbral
/**
 * The part of Umbral the rest of Salus uses beyond the functions below: every module
 * reaches Umbral through this file (the layer rule forbids importing the package
 * elsewhere in src), so the library loads in one place and its surface in use is this list.
 */
export {
  Capsule,
  CapsuleFrag,
  KeyFrag,
  PublicKey,
  SecretKey,
  Signer,
  decryptOriginal,
  decryptReencrypted,
  encrypt,
  generateKFrags,
  reencrypt,
} from '@nucypher/umbral-pre'
export type { VerifiedCapsuleFrag, VerifiedKeyFrag } from '@nucypher/umbral-pre'

export const umbralSeedBytes = 32
export const dataKeyBytes = 32
/** Far above the real sizes (capsule 98 bytes, wrapped 32-byte key 72 bytes); a guard, not a format. */
export const maxCapsuleBytes = 256
export const maxWrappedKeyBytes = 256

export class KeyUnwrapError extends SalusError {
  override name = 'KeyUnwrapError' as const
  constructor(parameters: { details?: string; cause?: unknown } = {}) {
    super('This record could not be unlocked with your key. The access may have been revoked or rotated; ask the patient to share it again.', parameters)
  }
}

/** Resolves once Umbral's wasm is usable; callers that load it lazily await this. */
export async function loadUmbral(): Promise<UmbralModule> {
  return umbral
}

/**
 * A secret key derived from the PRE master seed under a label; each label gives an
 * unrelated key. Callers name their keys (src/core/keys/scopeSecretKey.ts builds a
 * scope's label); this wrapper knows nothing of scopes.
 */
export function labelledSecretKey(preMasterSeed: Uint8Array, label: string): umbral.SecretKey {
  if (typeof label !== 'string' || label.length === 0) throw new TypeError('a key label is a non-empty string')
  return makeKey(preMasterSeed, label)
}

/**
 * The key a grantee receives re-encrypted capsule fragments for; its public half is
 * what a provider publishes in the directory (umbralPublicKey).
 */
export function receivingSecretKey(preMasterSeed: Uint8Array): umbral.SecretKey {
  return makeKey(preMasterSeed, 'receiving/v1')
}

/** The patient's record-signing key: signs envelopes and key fragments. */
export function recordSigner(preMasterSeed: Uint8Array): { signer: umbral.Signer; verifyingKey: umbral.PublicKey } {
  const secretKey = makeKey(preMasterSeed, 'record-signer')
  const signer = new umbral.Signer(secretKey)
  return { signer, verifyingKey: signer.verifyingKey() }
}

/** Encapsulates a record's data key to a scope's public key. */
export function wrapDataKey(
  scopePublicKey: umbral.PublicKey | Uint8Array,
  dataKey: Uint8Array,
): { capsule: Uint8Array; wrappedKey: Uint8Array } {
  if (!(dataKey instanceof Uint8Array) || dataKey.byteLength !== dataKeyBytes) throw new TypeError('data key must be 32 bytes')
  const publicKey = scopePublicKey instanceof Uint8Array ? publicKeyFromBytes(scopePublicKey) : scopePublicKey
  const [capsule, wrappedKey] = umbral.encrypt(publicKey, dataKey)
  try {
    return { capsule: capsule.toBytes(), wrappedKey }
  } finally {
    capsule.free()
  }
}

/** The scope owner's path back to a data key; any Umbral failure becomes `KeyUnwrapError`. */
export function unwrapDataKey(scopeSecretKey: umbral.SecretKey, capsule: Uint8Array, wrappedKey: Uint8Array): Uint8Array {
  return withCapsule(capsule, wrappedKey, (parsed) => umbral.decryptOriginal(scopeSecretKey, parsed, wrappedKey))
}

/** A grantee's path back to a data key from t verified capsule fragments. */
export function unwrapReencryptedDataKey(
  receivingSecretKey: umbral.SecretKey,
  delegatingPublicKey: umbral.PublicKey,
  capsule: Uint8Array,
  capsuleFrags: umbral.VerifiedCapsuleFrag[],
  wrappedKey: Uint8Array,
): Uint8Array {
  return withCapsule(capsule, wrappedKey, (parsed) =>
    umbral.decryptReencrypted(receivingSecretKey, delegatingPublicKey, parsed, capsuleFrags, wrappedKey),
  )
}

/** 64-byte big-endian (r || s) ECDSA signature by an Umbral signer. */
export function signBytes(signer: umbral.Signer, message: Uint8Array): Uint8Array {
  const signature = signer.sign(message)
  try {
    return signature.toBEBytes()
  } finally {
    signature.free()
  }
}

/** False for a bad signature and for malformed key or signature bytes alike. */
export function verifyBytes(verifyingKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  let publicKey: umbral.PublicKey | undefined
  let parsed: umbral.Signature | undefined
  try {
    publicKey = umbral.PublicKey.fromCompressedBytes(verifyingKey)
    parsed = umbral.Signature.fromBEBytes(signature)
    return parsed.verify(publicKey, message)
  } catch {
    return false
  } finally {
    publicKey?.free()
    parsed?.free()
  }
}

/** Parses a 33-byte compressed secp256k1 key (as published in the directory). */
export function publicKeyFromBytes(bytes: Uint8Array): umbral.PublicKey {
  try {
    return umbral.PublicKey.fromCompressedBytes(bytes)
  } catch (cause) {
    throw new TypeError('not a compressed secp256k1 public key', { cause })
  }
}

function makeKey(preMasterSeed: Uint8Array, label: string): umbral.SecretKey {
  if (!(preMasterSeed instanceof Uint8Array) || preMasterSeed.byteLength !== umbralSeedBytes) {
    throw new TypeError('PRE master seed must be 32 bytes')
  }
  const factory = umbral.SecretKeyFactory.fromSecureRandomness(preMasterSeed)
  try {
    return factory.makeKey(new TextEncoder().encode(label))
  } finally {
    factory.free()
  }
}

function withCapsule(capsule: Uint8Array, wrappedKey: Uint8Array, decrypt: (parsed: umbral.Capsule) => Uint8Array): Uint8Array {
  if (capsule.byteLength > maxCapsuleBytes || wrappedKey.byteLength > maxWrappedKeyBytes) {
    throw new KeyUnwrapError({ details: 'capsule or wrapped key is too large' })
  }
  let parsed: umbral.Capsule | undefined
  try {
    parsed = umbral.Capsule.fromBytes(capsule)
    return decrypt(parsed)
  } catch (cause) {
    throw new KeyUnwrapError({ cause: cause instanceof Error ? cause : new Error(String(cause)) })
  } finally {
    parsed?.free()
  }
}
