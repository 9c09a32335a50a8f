import { describe, expect, it } from 'vitest'
import { decryptStream, encryptStream } from '../../src/crypto/streamCipher.ts'
import { DecryptionFailedError } from '../../src/crypto/decryptionFailedError.ts'

const key = crypto.getRandomValues(new Uint8Array(32))
const aad = new TextEncoder().encode('envelope header')
const chunkSize = 64 * 1024

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const part of source) out.push(part)
  return out
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** Feeds `bytes` in irregular pieces so chunk boundaries never line up with input boundaries. */
async function* pieces(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  const sizes = [1, 1000, 70_000, 3, 65_536]
  let offset = 0
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length]!
    yield bytes.subarray(offset, offset + size)
    offset += size
  }
}

function random(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(out.subarray(i, Math.min(length, i + 65_536)))
  return out
}

describe('streamCipher', () => {
  it('round-trips 3.5 chunks fed in irregular pieces', async () => {
    const plaintext = random(3.5 * chunkSize)
    const sealed = await collect(encryptStream(key, pieces(plaintext), { aad, chunkSize }))
    expect(sealed.map((c) => c.length)).toEqual([7 + chunkSize + 16, chunkSize + 16, chunkSize + 16, chunkSize / 2 + 16])
    const opened = await collect(decryptStream(key, sealed, { aad }))
    expect(opened.slice(0, 3).every((c) => c.length === chunkSize)).toBe(true)
    expect(sameBytes(concat(opened), plaintext)).toBe(true)
    // The same bytes as one piece (chunks taken in place) seal to the same chunk lengths and open the same.
    const whole = await collect(encryptStream(key, [plaintext], { aad, chunkSize }))
    expect(whole.map((c) => c.length)).toEqual(sealed.map((c) => c.length))
    expect(sameBytes(concat(await collect(decryptStream(key, whole, { aad }))), plaintext)).toBe(true)
  })

  it('emits no empty trailing chunk for an exact multiple, and one empty chunk for an empty body', async () => {
    const exact = random(2 * chunkSize)
    const sealed = await collect(encryptStream(key, [exact], { aad, chunkSize }))
    expect(sealed).toHaveLength(2)
    expect(sameBytes(concat(await collect(decryptStream(key, sealed, { aad }))), exact)).toBe(true)

    const empty = await collect(encryptStream(key, [], { aad, chunkSize }))
    expect(empty).toHaveLength(1)
    expect(concat(await collect(decryptStream(key, empty, { aad })))).toEqual(new Uint8Array(0))
  })

  describe('rejects a stream that was', async () => {
    const sealed = await collect(encryptStream(key, [random(3.5 * chunkSize)], { aad, chunkSize }))
    const cases: Record<string, Uint8Array[]> = {
      'truncated (last chunk dropped)': sealed.slice(0, 3),
      'truncated to nothing': [],
      'reordered': [sealed[0]!, sealed[2]!, sealed[1]!, sealed[3]!],
      'given a duplicated chunk': [sealed[0]!, sealed[1]!, sealed[1]!, sealed[2]!, sealed[3]!],
      'extended after its last chunk': [...sealed, sealed[3]!],
      'missing a middle chunk': [sealed[0]!, sealed[2]!, sealed[3]!],
      'cut inside a chunk': [sealed[0]!, sealed[1]!, sealed[2]!, sealed[3]!.subarray(0, 100)],
      'bit-flipped in the nonce prefix': [flip(sealed[0]!, 3), ...sealed.slice(1)],
      'bit-flipped in a ciphertext': [sealed[0]!, flip(sealed[1]!, 500), ...sealed.slice(2)],
      'bit-flipped in a tag': [...sealed.slice(0, 3), flip(sealed[3]!, sealed[3]!.length - 1)],
    }
    for (const [name, chunks] of Object.entries(cases)) {
      it(name, async () => {
        await expect(collect(decryptStream(key, chunks, { aad }))).rejects.toBeInstanceOf(DecryptionFailedError)
      })
    }
    it('opened with other aad or another key', async () => {
      await expect(collect(decryptStream(key, sealed, { aad: new Uint8Array(1) }))).rejects.toBeInstanceOf(DecryptionFailedError)
      const other = crypto.getRandomValues(new Uint8Array(32))
      await expect(collect(decryptStream(other, sealed, { aad }))).rejects.toBeInstanceOf(DecryptionFailedError)
    })
    it('spliced with a chunk of another stream under the same key', async () => {
      const other = await collect(encryptStream(key, [random(3.5 * chunkSize)], { aad, chunkSize }))
      await expect(collect(decryptStream(key, [sealed[0]!, other[1]!, sealed[2]!, sealed[3]!], { aad }))).rejects.toBeInstanceOf(
        DecryptionFailedError,
      )
    })
  })

  it('never yields plaintext past the point of tampering', async () => {
    const sealed = await collect(encryptStream(key, [random(3 * chunkSize)], { aad, chunkSize }))
    const yielded: Uint8Array[] = []
    const attempt = (async () => {
      for await (const part of decryptStream(key, [sealed[0]!, flip(sealed[1]!, 9), sealed[2]!], { aad })) yielded.push(part)
    })()
    await expect(attempt).rejects.toBeInstanceOf(DecryptionFailedError)
    expect(yielded).toHaveLength(1)
  })
})

function flip(bytes: Uint8Array, index: number): Uint8Array {
  const copy = bytes.slice()
  copy[index]! ^= 0x80
  return copy
}

// vitest's deep equality walks typed arrays element by element; this is the same check, fast.
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
}
