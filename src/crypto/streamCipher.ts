import { DecryptionFailedError } from './decryptionFailedError.ts'

/**
 * Chunked AES-256-GCM in the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015):
 * nonce = 7-byte random prefix || 4-byte big-endian chunk counter || 1-byte last-chunk flag.
 * The counter stops reordering, duplication and dropping from the middle; the flag stops
 * truncation at a chunk boundary. The prefix travels at the front of the first sealed chunk.
 * One chunk is in memory at a time (two while the next is being encrypted), so a 1 GB
 * attachment costs a few MiB.
 */
export const defaultChunkSize = 1024 * 1024
export const streamPrefixBytes = 7
export const streamTagBytes = 16
const maxChunks = 2 ** 32

export type EncryptStreamOptions = { aad: Uint8Array; chunkSize?: number }
export type DecryptStreamOptions = { aad: Uint8Array; maxChunkSize?: number }

/**
 * Yields sealed chunks: the first is prefix || ciphertext || tag, the rest ciphertext || tag.
 * `source` must not modify a piece after yielding it (true of File.stream(), fetch bodies and
 * Node streams): a piece may be read again when the following piece arrives.
 */
export async function* encryptStream(
  key: Uint8Array,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  { aad, chunkSize = defaultChunkSize }: EncryptStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError('chunkSize must be a positive integer')
  const cryptoKey = await importKey(key, 'encrypt')
  const prefix = crypto.getRandomValues(new Uint8Array(streamPrefixBytes))
  let counter = 0
  // Encryption of one chunk overlaps with reading the next (WebCrypto runs off the main thread).
  let inFlight: Promise<Uint8Array> | undefined
  const seal = (plaintext: Uint8Array, last: boolean): Promise<Uint8Array> => {
    if (counter >= maxChunks) throw new RangeError('stream too long for a 32-bit chunk counter')
    const index = counter++
    const sealed = encryptChunk(cryptoKey, nonceFor(prefix, index, last), plaintext, aad, index === 0 ? prefix : undefined)
    // Marked handled so a failure while an earlier chunk is awaited is not reported twice; it still throws when awaited.
    sealed.catch(() => {})
    return sealed
  }

  // A complete chunk is sealed only once more data shows it is not the last. A chunk lying
  // inside one source piece is used in place (WebCrypto copies its input); only chunks that
  // straddle pieces are copied together.
  let full: Uint8Array | undefined
  let pending: Uint8Array | undefined
  let filled = 0
  for await (const input of source) {
    let offset = 0
    while (offset < input.byteLength) {
      if (full) {
        const next = seal(full, false)
        full = undefined
        if (inFlight) yield await inFlight
        inFlight = next
      }
      if (filled === 0 && input.byteLength - offset >= chunkSize) {
        full = input.subarray(offset, offset + chunkSize)
        offset += chunkSize
        continue
      }
      pending ??= new Uint8Array(chunkSize)
      const take = Math.min(chunkSize - filled, input.byteLength - offset)
      pending.set(input.subarray(offset, offset + take), filled)
      filled += take
      offset += take
      if (filled === chunkSize) {
        full = pending
        pending = undefined
        filled = 0
      }
    }
  }
  const last = seal(full ?? pending?.subarray(0, filled) ?? new Uint8Array(0), true)
  if (inFlight) yield await inFlight
  yield await last
}

/** Yields plaintext chunks, throwing `DecryptionFailedError` on tampering, reordering or truncation. */
export async function* decryptStream(
  key: Uint8Array,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  { aad, maxChunkSize = 4 * defaultChunkSize }: DecryptStreamOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const cryptoKey = await importKey(key, 'decrypt')
  let prefix: Uint8Array | undefined
  let counter = 0
  let held: Uint8Array | undefined
  // A chunk is opened only once we know whether another follows: that decides its last flag.
  const open = async (sealed: Uint8Array, last: boolean): Promise<Uint8Array> => {
    if (counter >= maxChunks) throw new DecryptionFailedError({ details: 'stream exceeds the 32-bit chunk counter' })
    let body = sealed
    if (counter === 0) {
      if (sealed.byteLength < streamPrefixBytes + streamTagBytes) {
        throw new DecryptionFailedError({ details: 'first stream chunk is shorter than prefix + tag' })
      }
      prefix = sealed.slice(0, streamPrefixBytes)
      body = sealed.subarray(streamPrefixBytes)
    }
    if (body.byteLength < streamTagBytes || body.byteLength > maxChunkSize + streamTagBytes) {
      throw new DecryptionFailedError({ details: `stream chunk ${counter} has an impossible size (${body.byteLength} bytes)` })
    }
    const index = counter++
    try {
      const nonce = nonceFor(prefix as Uint8Array, index, last)
      return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce, additionalData: bufferSource(aad) }, cryptoKey, bufferSource(body)))
    } catch (cause) {
      throw new DecryptionFailedError({
        details: `stream chunk ${index} failed authentication (altered, reordered, duplicated, or the stream was cut short)`,
        cause,
      })
    }
  }
  for await (const sealed of chunks) {
    if (held) yield await open(held, false)
    held = sealed
  }
  if (!held) throw new DecryptionFailedError({ details: 'encrypted stream has no chunks' })
  yield await open(held, true)
}

function importKey(key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  if (!(key instanceof Uint8Array) || key.byteLength !== 32) throw new TypeError('AES-256-GCM key must be 32 bytes')
  return crypto.subtle.importKey('raw', bufferSource(key), { name: 'AES-GCM' }, false, [usage])
}

function nonceFor(prefix: Uint8Array, index: number, last: boolean): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12)
  nonce.set(prefix, 0)
  new DataView(nonce.buffer).setUint32(streamPrefixBytes, index, false)
  nonce[11] = last ? 1 : 0
  return nonce
}

async function encryptChunk(
  cryptoKey: CryptoKey,
  nonce: Uint8Array<ArrayBuffer>,
  plaintext: Uint8Array,
  aad: Uint8Array,
  prefix: Uint8Array | undefined,
): Promise<Uint8Array> {
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, additionalData: bufferSource(aad) }, cryptoKey, bufferSource(plaintext)),
  )
  if (!prefix) return ciphertext
  const first = new Uint8Array(prefix.byteLength + ciphertext.byteLength)
  first.set(prefix, 0)
  first.set(ciphertext, prefix.byteLength)
  return first
}

// WebCrypto's typings reject views that might sit on a SharedArrayBuffer; ours never do.
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>
}
