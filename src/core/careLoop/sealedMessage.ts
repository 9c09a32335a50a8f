import * as dagCbor from '@ipld/dag-cbor'
import { dataKeyBytes, unwrapDataKey, wrapDataKey, type PublicKey, type SecretKey } from '../../crypto/umbral.ts'
import { openSmall, sealSmall } from '../../crypto/xchacha.ts'
import { bytesField, mapField, type Fail } from '../consent/untrustedFields.ts'
import { MalformedWriteBackError } from './careLoopErrors.ts'

/**
 * One message sealed to one secp256k1 public key (a scope's delegating key, a doctor's
 * receiving key): a fresh data key wrapped with Umbral, the dag-cbor body sealed with it
 * (XChaCha20-Poly1305, `domain` as associated data). Outside there is nothing but the
 * capsule and ciphertext: a care node keeping it learns its size, not its kind or keys.
 */
export const sealedMessageVersion = 1

export function sealMessage(publicKey: PublicKey | Uint8Array, domain: string, body: Record<string, unknown>): Uint8Array {
  const dataKey = crypto.getRandomValues(new Uint8Array(dataKeyBytes))
  const { capsule, wrappedKey } = wrapDataKey(publicKey, dataKey)
  return dagCbor.encode({ v: sealedMessageVersion, capsule, key: wrappedKey, body: sealSmall(dataKey, dagCbor.encode(body), new TextEncoder().encode(domain)) })
}

/**
 * Opens with `secretKey`; undefined when it is not sealed to that key (try the next),
 * MalformedWriteBackError when it is not a sealed message at all or too large.
 */
export function openMessage(bytes: Uint8Array, secretKey: SecretKey, domain: string, maxBytes: number): Record<string, unknown> | undefined {
  const outer = decodeSealedMessage(bytes, maxBytes)
  let dataKey: Uint8Array
  try {
    dataKey = unwrapDataKey(secretKey, outer.capsule, outer.key)
  } catch {
    return undefined
  }
  let body: Uint8Array
  try {
    body = openSmall(dataKey, outer.body, new TextEncoder().encode(domain))
  } catch {
    return undefined
  }
  try {
    return mapField(dagCbor.decode(body), 'sealed body', (details) => {
      throw new MalformedWriteBackError(details)
    })
  } catch (cause) {
    if (cause instanceof MalformedWriteBackError) throw cause
    throw new MalformedWriteBackError('the sealed body is not dag-cbor', { cause })
  }
}

export function decodeSealedMessage(bytes: Uint8Array, maxBytes: number): { capsule: Uint8Array; key: Uint8Array; body: Uint8Array } {
  const fail: Fail = (details) => {
    throw new MalformedWriteBackError(details)
  }
  if (!(bytes instanceof Uint8Array)) fail('not bytes')
  if (bytes.byteLength > maxBytes) fail(`${bytes.byteLength} bytes exceed ${maxBytes}`)
  let decoded: unknown
  try {
    decoded = dagCbor.decode(bytes)
  } catch (cause) {
    throw new MalformedWriteBackError('not dag-cbor', { cause })
  }
  const m = mapField(decoded, 'sealed message', fail, ['v', 'capsule', 'key', 'body'])
  if (m.v !== sealedMessageVersion) fail(`unsupported version ${String(m.v)}`)
  return { capsule: bytesField(m.capsule, 'capsule', fail, 1, 256), key: bytesField(m.key, 'key', fail, 1, 256), body: bytesField(m.body, 'body', fail, 41, maxBytes) }
}
