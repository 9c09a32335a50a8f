import type { Address } from 'viem'
import { labelledSecretKey, receivingSecretKey, type SecretKey } from '../../crypto/umbral.ts'

/** Which grant a patient's mailbox is for: the deployment, the grantee and the patient's index of grants to them. */
export type GrantMailboxParameters = { chainId: number; consent: Address; grantee: Address; grantIndex: number }

/**
 * The patient's mailbox key for one grant, derived from their PRE master seed: one
 * address per grant, so two of a patient's mailboxes share nothing a care node could
 * match. The grantee learns the public half from the grant's bundle (sealed to them).
 */
export function grantMailboxKey(preMasterSeed: Uint8Array, { chainId, consent, grantee, grantIndex }: GrantMailboxParameters): SecretKey {
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new TypeError('chainId must be a positive integer')
  if (!Number.isSafeInteger(grantIndex) || grantIndex < 0) throw new TypeError('grantIndex must be a non-negative integer')
  return labelledSecretKey(preMasterSeed, `mailbox/v1/${chainId}/${consent.toLowerCase()}/${grantee.toLowerCase()}/${grantIndex}`)
}

/** A doctor's mailbox key: their receiving key, whose public half the directory lists (umbralPublicKey). */
export function doctorMailboxKey(preMasterSeed: Uint8Array): SecretKey {
  return receivingSecretKey(preMasterSeed)
}

/** The 33-byte mailbox address of a key. */
export function mailboxAddress(secretKey: SecretKey): Uint8Array {
  const publicKey = secretKey.publicKey()
  try {
    return publicKey.toCompressedBytes()
  } finally {
    publicKey.free()
  }
}
