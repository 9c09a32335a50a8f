// A SMART Health Links receiver written from the specification alone
// (https://docs.smarthealthit.org/smart-health-links/spec/), with no Salus code and no
// imports: WebCrypto, fetch and DecompressionStream only. It opens `U` links (one
// encrypted file, fetched with GET url?recipient=) and manifest links are out of scope.

export type ShlPayload = { url: string; key: string; flag?: string; exp?: number; label?: string; v?: number }

/** Parses `shlink:/…` or a viewer URL ending in `#shlink:/…`. */
export function parseShlink(link: string): ShlPayload {
  const at = link.indexOf('shlink:/')
  if (at === -1) throw new Error('not a SMART Health Link')
  const payload = JSON.parse(new TextDecoder().decode(fromBase64url(link.slice(at + 'shlink:/'.length)))) as ShlPayload
  if (typeof payload.url !== 'string' || typeof payload.key !== 'string' || payload.key.length !== 43) throw new Error('SHL payload lacks url or a 43-character key')
  if (payload.exp !== undefined && payload.exp * 1000 < Date.now()) throw new Error('SHL expired')
  return payload
}

/** Opens a U-flag link: fetches the single file and decrypts it; returns the FHIR resource and the JWE header. */
export async function openShlink(link: string, recipient: string): Promise<{ header: Record<string, unknown>; resource: Record<string, unknown> }> {
  const payload = parseShlink(link)
  if (!(payload.flag ?? '').includes('U')) throw new Error('this client opens only U links')
  const url = new URL(payload.url)
  url.searchParams.set('recipient', recipient)
  const response = await fetch(url)
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`)
  if (response.headers.get('content-type') !== 'application/jose') throw new Error(`content type ${response.headers.get('content-type')}`)
  const { header, plaintext } = await decryptCompactJwe(await response.text(), fromBase64url(payload.key))
  if (header.cty !== 'application/fhir+json') throw new Error(`unexpected cty ${String(header.cty)}`)
  return { header, resource: JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown> }
}

/** JWE compact serialisation, alg "dir", enc "A256GCM" (RFC 7516 §5.2), optional zip "DEF". */
export async function decryptCompactJwe(jwe: string, key: Uint8Array<ArrayBuffer>): Promise<{ header: Record<string, unknown>; plaintext: Uint8Array }> {
  const parts = jwe.trim().split('.')
  if (parts.length !== 5) throw new Error('not a compact JWE')
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string]
  const header = JSON.parse(new TextDecoder().decode(fromBase64url(protectedHeader))) as Record<string, unknown>
  if (header.alg !== 'dir' || header.enc !== 'A256GCM' || encryptedKey !== '') throw new Error('only alg dir with enc A256GCM')
  const cryptoKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt'])
  const sealed = new Uint8Array([...fromBase64url(ciphertext), ...fromBase64url(tag)])
  const additionalData = new TextEncoder().encode(protectedHeader)
  let plaintext = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64url(iv), additionalData, tagLength: 128 }, cryptoKey, sealed))
  if (header.zip === 'DEF') plaintext = new Uint8Array(await new Response(new Blob([plaintext]).stream().pipeThrough(new DecompressionStream('deflate-raw'))).arrayBuffer())
  return { header, plaintext }
}

export function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  return Uint8Array.from(binary, (char) => char.charCodeAt(0))
}

export function toBase64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
