import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesField, compressedKeyBytes, domainSeparated, listField, mapField, signatureBytes, stringField, uintField, type Fail } from '../core/consent/untrustedFields.ts'
import { SalusError, type SalusErrorParameters } from '../errors/salusError.ts'

/**
 * `/salus/mailbox/1.0.0` on care nodes (issue 10, "Delivery that survives being offline"):
 * anyone may put an opaque, sealed payload for a *mailbox address* (a 33-byte compressed
 * secp256k1 public key); only the holder of the matching secret key takes it, by signing
 * the take (and the ack that deletes) for this care node, now, with a fresh nonce.
 *
 * A care node learns an address (one per grant for a patient, the registered receiving
 * key for a doctor), sizes and times, and the sender's peer id; payloads are sealed
 * (core/careLoop/writeBack.ts), and a patient's addresses share nothing.
 */
export const mailboxProtocol = '/salus/mailbox/1.0.0'

/**
 * One entry's payload: a write-back with a report's PDF or image of up to 750 KiB is about
 * 1 MiB of base64 and sealing overhead (core/fhir/doctorForms.ts maxReportAttachmentBytes);
 * 1.25 MiB leaves room without letting one entry be a bulk store.
 */
export const maxMailboxPayloadBytes = 1_310_720
/** The protocol's own message limit (above the 64 KiB of the others): one payload and its fields. */
export const maxMailboxMessageBytes = maxMailboxPayloadBytes + 16 * 1024
/** An entry lives at most this long (and this long unless the sender asks for less). */
export const maxMailboxTtlSeconds = 30 * 24 * 3600
/** Ids one ack may name. */
export const maxAckIds = 256
/** A signed take or ack older or newer than this (seconds) is refused. */
export const mailboxFreshnessSeconds = 120
const nonceBytes = 16
const idPattern = /^[0-9a-f]{32}$/
const maxPeerIdLength = 128

export type MailboxErrorCode =
  | 'malformed'
  | 'too-large'
  | 'quota-exceeded'
  | 'rate-limited'
  | 'unauthorized'
  | 'busy'
  | 'internal'
  | 'unreachable'
  | 'timeout'

/** A care node refused or failed a mailbox request; `code` says why. */
export class MailboxError extends SalusError {
  override name = 'MailboxError' as const
  readonly code: MailboxErrorCode
  constructor(code: MailboxErrorCode, details: string, parameters: SalusErrorParameters = {}) {
    super(mailboxShortMessages[code], { ...parameters, details })
    this.code = code
  }
}

const mailboxShortMessages: Record<MailboxErrorCode, string> = {
  malformed: 'The care node did not understand the mailbox request. Update Salus and try again.',
  'too-large': 'This item is too large for a care node’s mailbox. Attach a smaller file.',
  'quota-exceeded': 'The recipient’s mailbox on the care nodes is full. Try again once they have collected their items.',
  'rate-limited': 'Too many mailbox requests were sent to the care node. Wait a minute and try again.',
  unauthorized: 'The care node did not accept the mailbox signature. Check your computer’s clock and try again.',
  busy: 'The care node is busy. Try again in a minute.',
  internal: 'The care node had a problem with its mailbox. Try again later.',
  unreachable: 'No care node could be reached for the mailbox. Check your connection and try again.',
  timeout: 'The care node took too long to answer. Check your connection and try again.',
}

export type MailboxPut = { v: 1; op: 'put'; to: Uint8Array; payload: Uint8Array; ttl: number }

/** What the owner signs: this node, this time, a fresh nonce (and for an ack, the ids). */
export type MailboxAuth = { address: Uint8Array; node: string; at: number; nonce: Uint8Array; sig: Uint8Array }
export type MailboxTake = { v: 1; op: 'take'; after?: string } & MailboxAuth
export type MailboxAck = { v: 1; op: 'ack'; ids: string[] } & MailboxAuth
export type MailboxRequest = MailboxPut | MailboxTake | MailboxAck

export type MailboxWireEntry = { id: string; payload: Uint8Array; postedAt: number; expires: number }

export type MailboxResponse =
  | { ok: true; op: 'put'; id: string; expires: number }
  | { ok: true; op: 'take'; entries: MailboxWireEntry[]; more: boolean }
  | { ok: true; op: 'ack'; deleted: number }
  | { ok: false; code: MailboxErrorCode; message: string }

/** An entry's id: the first 16 bytes of sha256(address ‖ payload), hex; the same payload put twice is one entry. */
export function mailboxEntryId(address: Uint8Array, payload: Uint8Array): string {
  const input = new Uint8Array(address.byteLength + payload.byteLength)
  input.set(address)
  input.set(payload, address.byteLength)
  return Array.from(sha256(input).subarray(0, 16), (byte) => byte.toString(16).padStart(2, '0')).join('')
}

/** The bytes an owner signs for a take or an ack (every field but sig, domain-separated per op). */
export function mailboxAuthMessage(request: Omit<MailboxTake, 'sig'> | Omit<MailboxAck, 'sig'>): Uint8Array {
  const { ...unsigned } = request as Record<string, unknown>
  delete unsigned.sig
  return domainSeparated(`salus/mailbox/${request.op}/v1`, dagCbor.encode(unsigned))
}

export function newMailboxNonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(nonceBytes))
}

/** Validates an untrusted decoded request (shape and sizes; the server checks the signature). */
export function parseMailboxRequest(value: unknown): MailboxRequest {
  const fail: Fail = (details) => {
    throw new MailboxError('malformed', details)
  }
  const m = mapField(value, 'request', fail)
  if (m.v !== 1) fail('v must be 1')
  if (m.op === 'put') {
    mapField(m, 'put', fail, ['v', 'op', 'to', 'payload', 'ttl'])
    if (m.payload instanceof Uint8Array && m.payload.byteLength > maxMailboxPayloadBytes) {
      throw new MailboxError('too-large', `payload of ${m.payload.byteLength} bytes exceeds ${maxMailboxPayloadBytes}`)
    }
    return {
      v: 1,
      op: 'put',
      to: addressField(m.to, 'to', fail),
      payload: bytesField(m.payload, 'payload', fail, 1, maxMailboxPayloadBytes),
      ttl: uintField(m.ttl, 'ttl', fail, Number.MAX_SAFE_INTEGER, 1),
    }
  }
  if (m.op === 'take') {
    mapField(m, 'take', fail, ['v', 'op', 'address', 'node', 'at', 'nonce', 'after', 'sig'])
    return { v: 1, op: 'take', ...auth(m, fail), ...(m.after === undefined ? {} : { after: stringField(m.after, 'after', fail, 32, idPattern) }) }
  }
  if (m.op === 'ack') {
    mapField(m, 'ack', fail, ['v', 'op', 'address', 'node', 'at', 'nonce', 'ids', 'sig'])
    const ids = listField(m.ids, 'ids', fail, 1, maxAckIds).map((id, i) => stringField(id, `ids[${i}]`, fail, 32, idPattern))
    return { v: 1, op: 'ack', ...auth(m, fail), ids }
  }
  return fail('op must be put, take or ack')
}

function auth(m: Record<string, unknown>, fail: Fail): MailboxAuth {
  return {
    address: addressField(m.address, 'address', fail),
    node: stringField(m.node, 'node', fail, maxPeerIdLength),
    at: uintField(m.at, 'at', fail),
    nonce: bytesField(m.nonce, 'nonce', fail, nonceBytes),
    sig: bytesField(m.sig, 'sig', fail, signatureBytes),
  }
}

function addressField(value: unknown, what: string, fail: Fail): Uint8Array {
  const bytes = bytesField(value, what, fail, compressedKeyBytes)
  if (bytes[0] !== 2 && bytes[0] !== 3) fail(`${what} is not a compressed secp256k1 public key`)
  return bytes
}

/** Validates a care node's answer as untrusted input too; `op` is what was asked. */
export function parseMailboxResponse(value: unknown, op: MailboxRequest['op']): MailboxResponse {
  const fail: Fail = (details) => {
    throw new MailboxError('malformed', `care node answer: ${details}`)
  }
  const m = mapField(value, 'response', fail)
  if (m.ok === false) {
    const code = typeof m.code === 'string' && m.code in mailboxShortMessages ? (m.code as MailboxErrorCode) : 'internal'
    return { ok: false, code, message: typeof m.message === 'string' ? m.message.slice(0, 500) : '' }
  }
  if (m.ok !== true || m.op !== op) fail(`expected ok with op ${op}`)
  if (op === 'put') return { ok: true, op, id: stringField(m.id, 'id', fail, 32, idPattern), expires: uintField(m.expires, 'expires', fail) }
  if (op === 'ack') return { ok: true, op, deleted: uintField(m.deleted, 'deleted', fail) }
  let total = 0
  const entries = listField(m.entries, 'entries', fail, 0, 10_000).map((item, i): MailboxWireEntry => {
    const e = mapField(item, `entries[${i}]`, fail, ['id', 'payload', 'postedAt', 'expires'])
    const payload = bytesField(e.payload, `entries[${i}].payload`, fail, 1, maxMailboxPayloadBytes)
    total += payload.byteLength
    return { id: stringField(e.id, `entries[${i}].id`, fail, 32, idPattern), payload, postedAt: uintField(e.postedAt, 'postedAt', fail), expires: uintField(e.expires, 'expires', fail) }
  })
  if (total > maxMailboxMessageBytes) fail('entries exceed the message limit')
  if (typeof m.more !== 'boolean') fail('more is not a boolean')
  return { ok: true, op, entries, more: m.more as boolean }
}
