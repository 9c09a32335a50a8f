// Real libp2p nodes for block exchange tests: honest care nodes, care nodes whose
// /salus/blocks/1.0.0 handler is replaced by a hostile one, and an asking browser node.
import type { Connection, Stream } from '@libp2p/interface'
import { LengthPrefixedDecoder } from '@libp2p/utils'
import * as lp from 'it-length-prefixed'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { BlockExchangeEvent, BlockExchangeOptions } from '../../src/p2p/blockExchange.ts'
import { blockProtocol, decodeWant, encodeAnswer, type BlockAnswer, type BlockWant } from '../../src/p2p/blockProtocol.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'

export const asker = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

export async function rawBlock(size: number, fill: number): Promise<{ cid: CID; bytes: Uint8Array }> {
  const bytes = new Uint8Array(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + fill) & 0xff
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** A care node on a free port holding `blocks`. */
export async function holder(blocks: { cid: CID; bytes: Uint8Array }[] = [], blockExchange?: BlockExchangeOptions): Promise<CareNode> {
  const care = await startCareNode({ port: 0, reencryptThreads: 0, ...(blockExchange ? { blockExchange } : {}) })
  for (const { cid, bytes } of blocks) await care.helia.blockstore.put(cid, bytes)
  return care
}

/** What a hostile holder does with each want it reads on a stream. */
export type HostileBehaviour = (want: BlockWant, stream: Stream, send: (answer: BlockAnswer) => void) => void

/** A care node whose block handler is `behaviour` instead of the real one. */
export async function hostileHolder(behaviour: HostileBehaviour): Promise<CareNode & { wants: BlockWant[] }> {
  const care = await startCareNode({ port: 0, reencryptThreads: 0 })
  const wants: BlockWant[] = []
  await care.helia.libp2p.unhandle(blockProtocol)
  await care.helia.libp2p.handle(
    blockProtocol,
    (stream: Stream, _connection: Connection) => {
      const decoder = new LengthPrefixedDecoder()
      const send = (answer: BlockAnswer) => void stream.send(lp.encode.single(encodeAnswer(answer)))
      stream.addEventListener('message', (event) => {
        for (const frame of decoder.decode(event.data)) {
          const want = decodeWant(frame.subarray())
          wants.push(want)
          behaviour(want, stream, send)
        }
      })
    },
    { runOnLimitedConnection: true },
  )
  return Object.assign(care, { wants })
}

/** A browser node (in Node) that records the exchange's events. */
export async function askingNode(seed: number, options: BlockExchangeOptions = {}): Promise<{ node: SalusNode; events: BlockExchangeEvent[] }> {
  const events: BlockExchangeEvent[] = []
  const node = await createBrowserNode({
    account: asker,
    peerKeySeed: new Uint8Array(32).fill(seed),
    relays: [],
    blockstore: new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
    blockExchange: { ...options, onEvent: (event) => events.push(event) },
  })
  return { node, events }
}

export async function fetchBlock(node: SalusNode, cid: CID, providers: string[], timeoutMs = 20_000): Promise<Uint8Array> {
  const { multiaddr } = await import('@multiformats/multiaddr')
  const chunks: Uint8Array[] = []
  for await (const chunk of node.blockstore.get(cid, { signal: AbortSignal.timeout(timeoutMs), providers: providers.map((p) => multiaddr(p)) })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

/** The bytes the node's own store holds under `cid`, or undefined. */
export async function stored(node: SalusNode, cid: CID): Promise<Uint8Array | undefined> {
  if (!(await node.blockstore.has(cid))) return undefined
  const chunks: Uint8Array[] = []
  for await (const chunk of node.blockstore.get(cid, { offline: true })) chunks.push(chunk)
  return Buffer.concat(chunks)
}

export function varint(value: number): Uint8Array {
  const out: number[] = []
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80)
    value = Math.floor(value / 128)
  }
  out.push(value)
  return new Uint8Array(out)
}
