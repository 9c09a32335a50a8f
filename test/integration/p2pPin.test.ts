import { randomBytes } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { messageStream } from '../../src/p2p/messages.ts'
import { PinRequestError } from '../../src/p2p/p2pErrors.ts'
import { pinProtocol } from '../../src/p2p/pinProtocol.ts'
import { requestPin } from '../../src/p2p/requestPin.ts'

const patient = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const doctor = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'

function node(account: string, seed: Uint8Array, relays: string[]): Promise<SalusNode> {
  return createBrowserNode({
    account,
    peerKeySeed: seed,
    relays,
    blockstore: new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
  })
}

async function putBlock(target: SalusNode, bytes: Uint8Array, code: number): Promise<CID> {
  const cid = CID.createV1(code, await sha256.digest(bytes))
  await target.blockstore.put(cid, bytes)
  return cid
}

function varint(value: number): Uint8Array {
  const out: number[] = []
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80)
    value = Math.floor(value / 128)
  }
  out.push(value)
  return new Uint8Array(out)
}

async function readAll(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const chunk of source) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** Sends a raw message on /salus/pin/1.0.0 (bypassing the client's checks) and returns the answer. */
async function rawExchange(from: SalusNode, care: CareNode, payload: Uint8Array | { claimedLength: number }): Promise<unknown> {
  const stream = await from.libp2p.dialProtocol(multiaddr(care.multiaddrs[0]!), pinProtocol)
  if (payload instanceof Uint8Array) {
    await lpStream(stream).write(payload)
  } else {
    // Only the length prefix: the care node must refuse before reading a body.
    stream.send(varint(payload.claimedLength))
  }
  const answer = await messageStream(stream).read({ signal: AbortSignal.timeout(10_000) })
  await stream.close().catch(() => {})
  return answer
}

describe('care node pinning over /salus/pin/1.0.0', () => {
  let care: CareNode
  const started: SalusNode[] = []

  beforeAll(async () => {
    care = await startCareNode({ port: 0, pin: { blockTimeoutMs: 2_000 } })
  })

  afterAll(async () => {
    await Promise.allSettled(started.map((n) => n.stop()))
    await care?.stop()
  })

  it('pins a record DAG fetched from the patient and serves it after the patient leaves', async () => {
    const seed = new Uint8Array(32).fill(7)
    const client = await node(patient, seed, care.multiaddrs)
    started.push(client)
    const body = new Uint8Array(randomBytes(200_000))
    const bodyCid = await putBlock(client, body, raw.code)
    const envelope = dagCbor.encode({ v: 1, scope: 'labs', body: bodyCid })
    const envelopeCid = await putBlock(client, envelope, dagCbor.code)

    const started0 = performance.now()
    const result = await requestPin(client, { careNode: care.multiaddrs[0]!, cids: [envelopeCid], timeoutMs: 30_000 })
    console.info(`pin of a 200 kB record: ${(performance.now() - started0).toFixed(0)} ms`)
    expect(result).toEqual({ pinned: 1 })
    expect(await care.helia.pins.isPinned(envelopeCid)).toBe(true)
    // Recursive: the body the envelope links to is kept too.
    expect(await care.helia.blockstore.has(bodyCid)).toBe(true)

    // Pinning again is idempotent.
    expect(await requestPin(client, { careNode: care.multiaddrs[0]!, cids: [envelopeCid.toString()] })).toEqual({ pinned: 1 })

    await client.stop()
    const reader = await node(doctor, new Uint8Array(32).fill(9), care.multiaddrs)
    started.push(reader)
    const signal = AbortSignal.timeout(15_000)
    const fetchedBody = await readAll(reader.blockstore.get(bodyCid, { signal }))
    expect(Buffer.from(fetchedBody).equals(Buffer.from(body))).toBe(true)
    const fetchedEnvelope = await readAll(reader.blockstore.get(envelopeCid, { signal }))
    expect(dagCbor.decode(fetchedEnvelope)).toEqual({ v: 1, scope: 'labs', body: bodyCid })
  })

  it('derives the same peer id from the same seed', async () => {
    const seed = new Uint8Array(32).fill(3)
    const a = await node(patient, seed, [])
    const peerA = a.libp2p.peerId.toString()
    await a.stop()
    const b = await node(patient, seed, [])
    started.push(b)
    expect(b.libp2p.peerId.toString()).toBe(peerA)
    await expect(node(patient, new Uint8Array(31), [])).rejects.toThrow(/32 bytes/)
  })

  it('refuses malformed, oversized and unfetchable requests with their codes', async () => {
    const peer = await node(doctor, new Uint8Array(32).fill(11), care.multiaddrs)
    started.push(peer)

    expect(await rawExchange(peer, care, new Uint8Array([0xff, 0x00, 0x13]))).toMatchObject({ ok: false, code: 'malformed' })
    expect(await rawExchange(peer, care, dagCbor.encode({ v: 2, cids: [] }))).toMatchObject({ ok: false, code: 'malformed' })
    expect(await rawExchange(peer, care, dagCbor.encode({ v: 1, cids: ['not-a-cid'] }))).toMatchObject({
      ok: false,
      code: 'malformed',
    })
    const dagPb = CID.createV1(0x70, await sha256.digest(new Uint8Array([1])))
    expect(await rawExchange(peer, care, dagCbor.encode({ v: 1, cids: [dagPb.toString()] }))).toMatchObject({
      ok: false,
      code: 'malformed',
    })
    expect(await rawExchange(peer, care, { claimedLength: 70 * 1024 })).toMatchObject({ ok: false, code: 'too-large' })
    expect(await rawExchange(peer, care, { claimedLength: 2 ** 40 })).toMatchObject({ ok: false, code: 'too-large' })

    const many = await Promise.all(
      Array.from({ length: 1_001 }, async (_, i) => CID.createV1(raw.code, await sha256.digest(new Uint8Array([i & 255, i >> 8]))).toString()),
    )
    expect(await rawExchange(peer, care, dagCbor.encode({ v: 1, cids: many }))).toMatchObject({ ok: false, code: 'too-large' })
    await expect(requestPin(peer, { careNode: care.multiaddrs[0]!, cids: many })).rejects.toMatchObject({
      name: 'PinRequestError',
      code: 'too-large',
    })

    const missing = CID.createV1(raw.code, await sha256.digest(new Uint8Array(randomBytes(32))))
    const failure = await requestPin(peer, { careNode: care.multiaddrs[0]!, cids: [missing], timeoutMs: 20_000 }).catch((e) => e)
    expect(failure).toBeInstanceOf(PinRequestError)
    expect(failure.code).toBe('fetch-failed')
    expect(await care.helia.pins.isPinned(missing)).toBe(false)
  })

  it('answers busy beyond its concurrent request limit', async () => {
    const small = await startCareNode({ port: 0, pin: { maxConcurrentRequests: 1, blockTimeoutMs: 3_000 } })
    const peer = await node(doctor, new Uint8Array(32).fill(12), small.multiaddrs)
    started.push(peer)
    try {
      const missing = CID.createV1(raw.code, await sha256.digest(new Uint8Array(randomBytes(32))))
      // The care node is serving the first request once it looks up that request's root
      // (the fetch then waits for a block nobody has, 3 s): wait for that, not for a guessed time.
      const isPinned = small.helia.pins.isPinned.bind(small.helia.pins)
      let serving = false
      small.helia.pins.isPinned = (cid, options) => {
        if (cid.equals(missing)) serving = true
        return isPinned(cid, options)
      }
      const slow = requestPin(peer, { careNode: small.multiaddrs[0]!, cids: [missing] }).catch((e) => e)
      await expect.poll(() => serving, { timeout: 10_000 }).toBe(true)
      await expect(requestPin(peer, { careNode: small.multiaddrs[0]!, cids: [missing] })).rejects.toMatchObject({ code: 'busy' })
      expect((await slow).code).toBe('fetch-failed')
    } finally {
      await small.stop()
    }
  })

  it('refuses a DAG larger than its per-request budget and pins nothing of it', async () => {
    const strict = await startCareNode({ port: 0, pin: { maxBytesPerRequest: 50_000 } })
    const client = await node(patient, new Uint8Array(32).fill(13), strict.multiaddrs)
    started.push(client)
    try {
      const body = await putBlock(client, new Uint8Array(randomBytes(60_000)), raw.code)
      const envelope = await putBlock(client, dagCbor.encode({ v: 1, body }), dagCbor.code)
      await expect(requestPin(client, { careNode: strict.multiaddrs[0]!, cids: [envelope] })).rejects.toMatchObject({
        code: 'limit-exceeded',
      })
      expect(await strict.helia.pins.isPinned(envelope)).toBe(false)
      // Garbage collection removes what the refused request had fetched.
      expect(await strict.helia.blockstore.has(envelope)).toBe(true)
      await strict.helia.gc()
      expect(await strict.helia.blockstore.has(envelope)).toBe(false)
    } finally {
      await strict.stop()
    }
  })
})
