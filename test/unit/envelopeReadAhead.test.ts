import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { memoryBlockAccess, type BlockAccess } from '../../src/core/blocks.ts'
import { loadAttachmentManifest, readAttachment, sealAttachment, type AttachmentManifest } from '../../src/core/envelope/attachmentStream.ts'
import { RecordTamperedError } from '../../src/core/envelope/envelopeErrors.ts'

const chunkSize = 16 * 1024
const dataKey = crypto.getRandomValues(new Uint8Array(32))
const aad = new TextEncoder().encode('read-ahead test header')

function bytesOf(length: number): Uint8Array {
  const out = new Uint8Array(length)
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3) & 0xff
  return out
}

async function sealed(chunks: number): Promise<{ blocks: ReturnType<typeof memoryBlockAccess>; manifest: AttachmentManifest; file: Uint8Array }> {
  const blocks = memoryBlockAccess()
  const file = bytesOf(chunks * chunkSize - 100)
  const cid = await sealAttachment(blocks, { dataKey, aad, source: [file], size: file.length, chunkSize })
  return { blocks, manifest: await loadAttachmentManifest(blocks, cid, file.length), file }
}

/** A slow network: each get resolves after a random few milliseconds, so replies arrive out of order. */
function slowBlocks(inner: BlockAccess) {
  const stats = { started: 0, inFlight: 0, maxInFlight: 0 }
  const blocks: BlockAccess = {
    put: (bytes, codec) => inner.put(bytes, codec),
    async get(cid) {
      stats.started++
      stats.inFlight++
      stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight)
      try {
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.random() * 8))
        return await inner.get(cid)
      } finally {
        stats.inFlight--
      }
    },
  }
  return { blocks, stats }
}

describe('readAttachment read-ahead', () => {
  it('requests chunks concurrently, yields them in order, and never runs more than readAhead ahead of the reader', async () => {
    const { blocks: memory, manifest, file } = await sealed(12)
    for (const readAhead of [1, 3, 4]) {
      const { blocks, stats } = slowBlocks(memory)
      const parts: Uint8Array[] = []
      let worstAhead = 0
      for await (const part of readAttachment(blocks, { manifest, dataKey, aad, readAhead })) {
        parts.push(part)
        // Blocks fetched (or being fetched) whose plaintext the reader has not yet received.
        worstAhead = Math.max(worstAhead, stats.started - parts.length)
        // A slow reader: the fetches must wait for it, not pile up.
        await new Promise((resolve) => setTimeout(resolve, 5))
        worstAhead = Math.max(worstAhead, stats.started - parts.length)
      }
      expect(Buffer.concat(parts).equals(file)).toBe(true)
      expect(stats.started).toBe(12)
      expect(worstAhead).toBeLessThanOrEqual(readAhead)
      expect(stats.maxInFlight).toBeLessThanOrEqual(readAhead)
      // It does read ahead: with a slow reader the window fills.
      expect(worstAhead).toBe(readAhead)
      if (readAhead > 1) expect(stats.maxInFlight).toBeGreaterThan(1)
    }
  })

  it('still refuses reordered, duplicated or missing chunks, out-of-order replies notwithstanding', async () => {
    const { blocks: memory, manifest } = await sealed(6)
    const c = manifest.chunks as CID[]
    const alterations = {
      'two chunks swapped': [c[0], c[2], c[1], c[3], c[4], c[5]],
      'a chunk repeated': [c[0], c[1], c[1], c[3], c[4], c[5]],
      'a middle chunk missing': [c[0], c[1], c[3], c[4], c[5]],
      'the last chunk missing': [c[0], c[1], c[2], c[3], c[4]],
      'the first chunk moved later': [c[1], c[2], c[3], c[0], c[4], c[5]],
    } as Record<string, CID[]>
    for (const [name, chunks] of Object.entries(alterations)) {
      const { blocks } = slowBlocks(memory)
      const read = async () => {
        for await (const _ of readAttachment(blocks, { manifest: { ...manifest, chunks }, dataKey, aad })) void _
      }
      await expect(read(), name).rejects.toBeInstanceOf(RecordTamperedError)
    }
  })

  it('a chunk whose fetch fails ahead of the reader fails the read only when reached, after the chunks before it', async () => {
    const { blocks: memory, manifest, file } = await sealed(6)
    const lost = manifest.chunks[4]!
    const blocks: BlockAccess = {
      put: (bytes, codec) => memory.put(bytes, codec),
      get: (cid) => (cid.equals(lost) ? Promise.reject(new Error('peer went away')) : memory.get(cid)),
    }
    const parts: Uint8Array[] = []
    await expect(
      (async () => {
        for await (const part of readAttachment(blocks, { manifest, dataKey, aad })) parts.push(part)
      })(),
    ).rejects.toThrow('peer went away')
    // Chunks 0..2 were delivered (chunk 3 waits for 4 to learn whether it is the last).
    expect(Buffer.concat(parts).equals(Buffer.from(file.subarray(0, 3 * chunkSize)))).toBe(true)
  })

  it('a reader that stops early leaves no unhandled rejection behind', async () => {
    const { blocks: memory, manifest } = await sealed(6)
    // Counted inside the fetch, so the test attaches no handler to the promise it returns.
    const fetches = { started: 0, settled: 0 }
    const blocks: BlockAccess = {
      put: (bytes, codec) => memory.put(bytes, codec),
      get: async (cid) => {
        fetches.started++
        try {
          if (!cid.equals(manifest.chunks[0]!) && !cid.equals(manifest.chunks[1]!)) throw new Error('not here')
          return await memory.get(cid)
        } finally {
          fetches.settled++
        }
      },
    }
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      for await (const _ of readAttachment(blocks, { manifest, dataKey, aad })) break
      // Wait until every fetch the reader started has settled, then one turn of the event
      // loop: Node reports an unhandled rejection after the microtasks of its turn.
      await expect.poll(() => fetches.settled).toBe(fetches.started)
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    expect(unhandled).toEqual([])
  })

  it('refuses an impossible readAhead', async () => {
    const { blocks, manifest } = await sealed(2)
    for (const readAhead of [0, 17, 1.5]) {
      await expect(readAttachment(blocks, { manifest, dataKey, aad, readAhead }).next()).rejects.toBeInstanceOf(RangeError)
    }
  })
})
