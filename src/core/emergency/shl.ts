import { gcmDecrypt, gcmEncrypt, gcmNonceBytes, gcmTagBytes } from './aesGcm.ts'
import { deflateRaw, inflateRaw } from './deflate.ts'
import { SmartHealthLinkError } from './emergencyErrors.ts'

/**
 * SMART Health Links (HL7 SMART Health Cards and Links IG, SHL protocol v1): the open
 * card's link and its file, written from the specification. A payload is minified
 * JSON, base64url, after `shlink:/`, optionally behind a viewer URL ending in `#`.
 * With flag `U` the url answers a GET with one compact JWE (`alg: dir`, `enc: A256GCM`).
 */
export type ShlinkPayload = { url: string; key: string; flag?: string; label?: string; exp?: number; v?: number }

export const shlinkPrefix = 'shlink:/'
const maxShlinkChars = 4096
const maxUrlChars = 128
const maxLabelChars = 80
/** A summary is tens of KB; far more is refused before decrypting. */
const maxJweChars = 8 * 1024 * 1024
const maxInflatedBytes = 16 * 1024 * 1024
const encoder = new TextEncoder()

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

export function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return undefined
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}

/** `shlink:/…`, or `<viewer>#shlink:/…` when a viewer URL is given (its fragment never reaches the viewer's server). */
export function encodeShlink(payload: { url: string; key: Uint8Array | string; flag?: string; label?: string; exp?: number }, viewer?: string): string {
  const key = typeof payload.key === 'string' ? payload.key : base64url(payload.key)
  const checked = checkPayload({ url: payload.url, key, ...(payload.flag ? { flag: payload.flag } : {}), ...(payload.label ? { label: payload.label } : {}), ...(payload.exp !== undefined ? { exp: payload.exp } : {}) })
  const link = `${shlinkPrefix}${base64url(encoder.encode(JSON.stringify(checked)))}`
  return viewer ? `${viewer.replace(/#.*$/, '')}#${link}` : link
}

/** Reads a bare or viewer-prefixed SHLink; ignores properties it does not know, as the spec asks. */
export function decodeShlink(text: string): ShlinkPayload {
  if (typeof text !== 'string' || text.length > maxShlinkChars) throw new SmartHealthLinkError('the link is too long')
  const at = text.indexOf(shlinkPrefix)
  if (at < 0 || (at > 0 && text[at - 1] !== '#')) throw new SmartHealthLinkError('it does not contain "shlink:/"')
  const bytes = fromBase64url(text.slice(at + shlinkPrefix.length).trim())
  if (!bytes) throw new SmartHealthLinkError('the payload is not base64url')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (cause) {
    throw new SmartHealthLinkError('the payload is not JSON', { cause })
  }
  return checkPayload(json)
}

function checkPayload(json: unknown): ShlinkPayload {
  const fail = (reason: string): never => { throw new SmartHealthLinkError(reason) }
  const object = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : fail('the payload is not an object')
  const { url, key, flag, label, exp, v } = object
  if (typeof url !== 'string' || !/^https?:\/\//.test(url) || url.length > maxUrlChars) fail(`url must be an http(s) URL of at most ${maxUrlChars} characters`)
  if (typeof key !== 'string' || key.length !== 43 || fromBase64url(key)?.length !== 32) fail('key must be 32 bytes in base64url (43 characters)')
  if (flag !== undefined && (typeof flag !== 'string' || !/^[A-Z]*$/.test(flag) || [...flag].sort().join('') !== flag)) fail('flag must be capital letters in alphabetical order')
  if (typeof flag === 'string' && flag.includes('U') && flag.includes('P')) fail('flags U and P cannot be combined')
  if (label !== undefined && (typeof label !== 'string' || label.length > maxLabelChars)) fail(`label must be text of at most ${maxLabelChars} characters`)
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp) || exp < 0)) fail('exp must be a time in epoch seconds')
  if (v !== undefined && v !== 1) fail(`it is version ${String(v)}; this Salus reads version 1`)
  return {
    url: url as string, key: key as string,
    ...(flag !== undefined ? { flag: flag as string } : {}), ...(label !== undefined ? { label: label as string } : {}),
    ...(exp !== undefined ? { exp: exp as number } : {}), ...(v !== undefined ? { v: 1 } : {}),
  }
}

export type ShlFileContentType = 'application/fhir+json' | 'application/smart-health-card' | 'application/smart-api-access'

/** A compact JWE: protected header `{"alg":"dir","enc":"A256GCM","cty":…}` (plus `"zip":"DEF"` when compressed), empty key, 96-bit IV. */
export async function encryptShlFile(content: string, key: Uint8Array, { contentType = 'application/fhir+json', compress = false }: { contentType?: ShlFileContentType; compress?: boolean } = {}): Promise<string> {
  if (key.length !== 32) throw new SmartHealthLinkError('the key must be 32 bytes')
  const header = base64url(encoder.encode(JSON.stringify({ alg: 'dir', enc: 'A256GCM', cty: contentType, ...(compress ? { zip: 'DEF' } : {}) })))
  const plain = compress ? await deflateRaw(encoder.encode(content)) : encoder.encode(content)
  const iv = crypto.getRandomValues(new Uint8Array(gcmNonceBytes))
  const sealed = await gcmEncrypt(key, iv, plain, encoder.encode(header))
  return [header, '', base64url(iv), base64url(sealed.subarray(0, sealed.length - gcmTagBytes)), base64url(sealed.subarray(sealed.length - gcmTagBytes))].join('.')
}

/** Decrypts a compact JWE of an SHL file; `cty` may be missing (some sharing apps omit it). Returns the text and content type. */
export async function decryptShlFile(jwe: string, key: Uint8Array | string): Promise<{ content: string; contentType?: string }> {
  const keyBytes = typeof key === 'string' ? fromBase64url(key) : key
  if (keyBytes?.length !== 32) throw new SmartHealthLinkError('the key must be 32 bytes')
  if (typeof jwe !== 'string' || jwe.length > maxJweChars) throw new SmartHealthLinkError('the file is not a JWE of a size this page reads')
  const parts = jwe.trim().split('.')
  if (parts.length !== 5) throw new SmartHealthLinkError('the file is not a compact JWE (five parts)')
  const [headerPart, encryptedKey, ivPart, cipherPart, tagPart] = parts as [string, string, string, string, string]
  let header: Record<string, unknown>
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(fromBase64url(headerPart) ?? fail('header')))
  } catch (cause) {
    throw new SmartHealthLinkError('its header is not base64url JSON', { cause })
  }
  if (header.alg !== 'dir' || header.enc !== 'A256GCM') throw new SmartHealthLinkError(`it uses ${String(header.alg)}/${String(header.enc)}, not dir/A256GCM`)
  if (header.zip !== undefined && header.zip !== 'DEF') throw new SmartHealthLinkError(`it is compressed with "${String(header.zip)}", not DEF`)
  if (encryptedKey !== '') throw new SmartHealthLinkError('it carries an encrypted key, which alg "dir" never does')
  const iv = fromBase64url(ivPart)
  const ciphertext = fromBase64url(cipherPart)
  const tag = fromBase64url(tagPart)
  if (iv?.length !== gcmNonceBytes || !ciphertext || tag?.length !== gcmTagBytes) throw new SmartHealthLinkError('its IV, ciphertext or tag is malformed')
  const sealed = new Uint8Array(ciphertext.length + tag.length)
  sealed.set(ciphertext)
  sealed.set(tag, ciphertext.length)
  let plain: Uint8Array
  try {
    plain = await gcmDecrypt(keyBytes, iv, sealed, encoder.encode(headerPart))
    if (header.zip === 'DEF') plain = await inflateRaw(plain, maxInflatedBytes)
  } catch (cause) {
    throw new SmartHealthLinkError('it did not decrypt with this link\'s key (altered, or the card was rotated)', { cause })
  }
  let content: string
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(plain)
  } catch (cause) {
    throw new SmartHealthLinkError('the decrypted file is not UTF-8 text', { cause })
  }
  return { content, ...(typeof header.cty === 'string' ? { contentType: header.cty } : {}) }
}

function fail(what: string): never {
  throw new SmartHealthLinkError(`its ${what} is not base64url`)
}
