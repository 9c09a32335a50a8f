import { sha256 } from '@noble/hashes/sha2.js'
import { cardKeys, cardSecretBytes } from './cardKeys.ts'
import { bytesToDecimal, decimalToBytes } from './decimalBytes.ts'
import { EmergencyCardFormatError } from './emergencyErrors.ts'
import { encodeShlink } from './shl.ts'

export const cardVersion = 1
/** What the QR's URL fragment starts with; the page at the origin reads the rest. */
export const cardFragmentPrefix = 'card:'
const sealedMinimumLimit = 1200
const maxCareNodes = 4
const maxCareNodeChars = 160
const maxShlUrlChars = 128
const checksumBytes = 4
const flagShl = 1
const flagCareNodes = 2

/** Everything a crew needs from the card: where the summary is (grant, care nodes), the key, and the offline minimum. */
export type EmergencyCard = {
  v: typeof cardVersion
  chainId: number
  grantId: bigint
  /** 32 bytes; cardKeys(cardSecret) opens everything else. */
  cardSecret: Uint8Array
  /** Unix seconds. */
  issuedAt: number
  /** sealMinimum's output (minimum.ts), opened with cardKeys(cardSecret).minimumKey. */
  sealedMinimum: Uint8Array
  /** Care nodes to ask first (multiaddrs or peer ids); hints only, the grant's proxies decide. */
  careNodes?: string[]
  /** Open card: the SMART Health Link's url (its key is cardKeys(cardSecret).shlKey, flag U). */
  shl?: { url: string; exp?: number }
}

const encoder = new TextEncoder()

/** The card as `<origin>/#card:<digits>`: a phone's camera opens Salus at that URL; the fragment never reaches a server. */
export function encodeCard(card: EmergencyCard, origin: string): string {
  const fail = (reason: string): never => { throw new EmergencyCardFormatError(reason) }
  if (card.v !== cardVersion) fail(`version ${String(card.v)} is not written by this Salus`)
  if (!Number.isInteger(card.chainId) || card.chainId < 1 || card.chainId > 0xffffffff) fail('the chain id is out of range')
  if (card.grantId < 0n || card.grantId >= 1n << 256n) fail('the grant id is out of range')
  if (card.cardSecret.length !== cardSecretBytes) fail(`the card secret must be ${cardSecretBytes} bytes`)
  if (!Number.isInteger(card.issuedAt) || card.issuedAt < 0 || card.issuedAt > 0xffffffff) fail('the issue time is out of range')
  if (card.sealedMinimum.length === 0 || card.sealedMinimum.length > sealedMinimumLimit) fail(`the embedded minimum must be 1 to ${sealedMinimumLimit} bytes`)
  const grant = card.grantId === 0n ? [] : [...hexBytes(card.grantId.toString(16))]
  const parts: number[] = [cardVersion, (card.shl ? flagShl : 0) | (card.careNodes?.length ? flagCareNodes : 0)]
  parts.push(...uint32(card.chainId), grant.length, ...grant, ...card.cardSecret, ...uint32(card.issuedAt))
  parts.push(card.sealedMinimum.length >> 8, card.sealedMinimum.length & 0xff, ...card.sealedMinimum)
  if (card.shl) {
    const url = encoder.encode(card.shl.url)
    if (url.length === 0 || url.length > maxShlUrlChars || !/^https?:\/\//.test(card.shl.url)) fail(`the link must be an http(s) URL of at most ${maxShlUrlChars} characters`)
    const exp = card.shl.exp ?? 0
    if (!Number.isInteger(exp) || exp < 0 || exp > 0xffffffff) fail('the link expiry is out of range')
    parts.push(url.length, ...url, ...uint32(exp))
  }
  if (card.careNodes?.length) {
    if (card.careNodes.length > maxCareNodes) fail(`at most ${maxCareNodes} care nodes fit`)
    parts.push(card.careNodes.length)
    for (const node of card.careNodes) {
      const bytes = encoder.encode(node)
      if (bytes.length === 0 || bytes.length > maxCareNodeChars) fail('a care-node hint is empty or too long')
      parts.push(bytes.length, ...bytes)
    }
  }
  const body = Uint8Array.from(parts)
  const payload = new Uint8Array(body.length + checksumBytes)
  payload.set(body)
  payload.set(sha256(body).subarray(0, checksumBytes), body.length)
  return `${origin.replace(/\/+$/, '')}/#${cardFragmentPrefix}${bytesToDecimal(payload)}`
}

/**
 * Reads a card from the QR's text (the whole URL, or from `card:` on). Strict: a
 * foreign text, a wrong version, a truncated or altered payload (4-byte SHA-256
 * checksum) or trailing bytes throw EmergencyCardFormatError.
 */
export function decodeCard(text: string): EmergencyCard {
  const fail = (reason: string): never => { throw new EmergencyCardFormatError(reason) }
  if (typeof text !== 'string' || text.length > 8192) fail('the text is not a card')
  const at = text.indexOf(cardFragmentPrefix)
  if (at < 0 || (at > 0 && text[at - 1] !== '#')) fail('it is not a Salus card code')
  const bytes = decimalToBytes(text.slice(at + cardFragmentPrefix.length).trim()) ?? fail('the code has characters or a length a card never has (is it cut off?)')
  if (bytes.length < 2 + checksumBytes) fail('it is too short (cut off?)')
  const body = bytes.subarray(0, bytes.length - checksumBytes)
  const expected = sha256(body).subarray(0, checksumBytes)
  if (bytes[0] !== cardVersion) fail(`it is version ${String(bytes[0])}, which this Salus does not read (update Salus)`)
  if (!expected.every((byte, index) => byte === bytes[body.length + index])) fail('its checksum does not match (damaged, cut off or altered)')
  let offset = 0
  const take = (length: number): Uint8Array => {
    if (offset + length > body.length) fail('it ends too early')
    const slice = body.subarray(offset, offset + length)
    offset += length
    return slice
  }
  const byte = () => take(1)[0] as number
  const readUint32 = () => new DataView(take(4).slice().buffer).getUint32(0)
  take(1)
  const flags = byte()
  if (flags & ~(flagShl | flagCareNodes)) fail('it has flags this Salus does not know')
  const chainId = readUint32()
  const grantLength = byte()
  if (grantLength > 32) fail('the grant id is too long')
  const grantBytes = take(grantLength)
  const grantId = grantBytes.reduce((value, item) => (value << 8n) | BigInt(item), 0n)
  const cardSecret = take(cardSecretBytes).slice()
  const issuedAt = readUint32()
  const sealedLength = (byte() << 8) | byte()
  if (sealedLength === 0 || sealedLength > sealedMinimumLimit) fail('the embedded minimum has an impossible size')
  const sealedMinimum = take(sealedLength).slice()
  const card: EmergencyCard = { v: cardVersion, chainId, grantId, cardSecret, issuedAt, sealedMinimum }
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const utf8 = (bytes: Uint8Array) => { try { return decoder.decode(bytes) } catch { return fail('a text field is not UTF-8') } }
  if (flags & flagShl) {
    const url = utf8(take(byte()))
    if (!/^https?:\/\//.test(url)) fail('the link is not an http(s) URL')
    const exp = readUint32()
    card.shl = exp === 0 ? { url } : { url, exp }
  }
  if (flags & flagCareNodes) {
    const count = byte()
    if (count === 0 || count > maxCareNodes) fail('it names an impossible number of care nodes')
    card.careNodes = Array.from({ length: count }, () => utf8(take(byte())))
  }
  if (offset !== body.length) fail('it has bytes after its end')
  return card
}

function uint32(value: number): number[] {
  return [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]
}

function hexBytes(hex: string): Uint8Array {
  const even = hex.length % 2 ? `0${hex}` : hex
  return Uint8Array.from(even.match(/../g) ?? [], (pair) => parseInt(pair, 16))
}

/**
 * Room for the sealed minimum (minimum.ts sealMinimumToFit) so the card stays a QR of
 * version 20 at level M: 578 bytes behind a 21-character origin (measured with the
 * `qrcode` package: numeric mode after the byte-mode prefix); each further byte of
 * origin, link or hint takes about one byte of that room.
 */
export function maxSealedMinimumBytes(extras: { shl?: { url: string }; careNodes?: string[]; origin?: string } = {}): number {
  const extraBytes = (extras.shl ? encoder.encode(extras.shl.url).length + 5 : 0) +
    (extras.careNodes?.length ? 1 + extras.careNodes.reduce((sum, node) => sum + 1 + encoder.encode(node).length, 0) : 0) +
    Math.max(0, (extras.origin ? encoder.encode(extras.origin.replace(/\/+$/, '')).length : 0) - referenceOriginChars)
  return Math.max(120, referenceRoom - extraBytes)
}

const referenceOriginChars = 'https://salus.example'.length
const referenceRoom = 578

/**
 * An open card's second QR: the same summary as a standard SMART Health Link (flag U,
 * key from the card secret), behind the Salus origin as viewer, so any SHL app reads it
 * and a plain camera opens Salus. Undefined for a card that is not open.
 */
export function cardShlink(card: EmergencyCard, origin: string, label = 'Emergency summary'): string | undefined {
  if (!card.shl) return undefined
  return encodeShlink(
    { url: card.shl.url, key: cardKeys(card.cardSecret).shlKey, flag: 'U', label, ...(card.shl.exp ? { exp: card.shl.exp } : {}) },
    `${origin.replace(/\/+$/, '')}/`,
  )
}
