import type { SecretKey } from '../../crypto/umbral.ts'
import { SalusError } from '../../errors/salusError.ts'
import { bytesField } from '../consent/untrustedFields.ts'
import { MalformedWriteBackError } from './careLoopErrors.ts'
import { openMessage, sealMessage } from './sealedMessage.ts'

/**
 * Requests, request answers and consents in a mailbox: sealed messages (sealedMessage.ts,
 * the write-backs' format) each under its own domain, so a reader of one kind never opens
 * (or deletes) an entry of another kind sharing the mailbox, and a care node sees neither.
 */
export const careLoopDomains = {
  accessRequest: 'salus/care-loop/access-request/v1',
  requestAnswer: 'salus/care-loop/request-answer/v1',
  consent: 'salus/care-loop/consent/v1',
} as const
export type CareLoopDomain = (typeof careLoopDomains)[keyof typeof careLoopDomains]

/** Far above any of these messages (a consent is about 2 KB); a payload is refused before any cryptography above this. */
export const maxSealedBytes = 64 * 1024

/** A mailbox payload of our kind that is damaged (it opened, but its body is not what it should be). */
export class SealedPayloadError extends SalusError {
  override name = 'SealedPayloadError' as const
  constructor(details: string, parameters: { cause?: unknown } = {}) {
    super('A message in your mailbox could not be opened: it was damaged or not a Salus message.', { ...parameters, details })
  }
}

/** Seals bytes to a 33-byte mailbox address (secp256k1 public key) under `domain`; only its secret key opens them. */
export function sealToAddress(address: Uint8Array, domain: CareLoopDomain, plaintext: Uint8Array): Uint8Array {
  const sealed = sealMessage(address, domain, { p: plaintext })
  if (sealed.byteLength > maxSealedBytes) throw new RangeError('sealed payload too large for a mailbox')
  return sealed
}

/**
 * Opens a payload sealed with `sealToAddress` under `domain`: undefined when it is not
 * sealed to this key under this domain (another kind of entry, or not ours), the bytes
 * otherwise; SealedPayloadError when it is not a sealed message at all or is damaged.
 */
export function openSealed(secretKey: SecretKey, domain: CareLoopDomain, sealed: Uint8Array): Uint8Array | undefined {
  try {
    const body = openMessage(sealed, secretKey, domain, maxSealedBytes)
    if (!body) return undefined
    return bytesField(body.p, 'payload', (details) => {
      throw new SealedPayloadError(details)
    }, 1, maxSealedBytes)
  } catch (error) {
    if (error instanceof MalformedWriteBackError) throw new SealedPayloadError(error.details ?? 'not a sealed message', { cause: error })
    throw error
  }
}
