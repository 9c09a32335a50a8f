// A peer starts an answer (a length prefix and part of the bytes) and closes the stream.
// The asker must fail over at once to another peer, store nothing partial, and reopen a
// stream to that peer the next time it asks it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockExchangeEvent } from '../../src/p2p/blockExchange.ts'
import type { CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { askingNode, fetchBlock, holder, hostileHolder, rawBlock, stored, varint } from '../support/blockPeers.ts'

describe('attack: a peer closes the stream in the middle of an answer', () => {
  const nodes: Array<CareNode | SalusNode> = []
  let closer: Awaited<ReturnType<typeof hostileHolder>>
  let honest: CareNode
  let asking: { node: SalusNode; events: BlockExchangeEvent[] }
  let streams = 0

  beforeAll(async () => {
    closer = await hostileHolder((_want, stream) => {
      streams += 1
      stream.send(varint(60_000))
      stream.send(new Uint8Array(20_000).fill(9))
      setTimeout(() => void stream.close().catch(() => {}), 20)
    })
    honest = await holder()
    asking = await askingNode(9, { hedgeAfterMs: 10_000 })
    nodes.push(closer, honest, asking.node)
  })

  afterAll(async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()))
  })

  it('the next peer serves the block at once, and nothing partial is stored', async () => {
    for (const fill of [10, 11]) {
      const block = await rawBlock(60_000, fill)
      await honest.helia.blockstore.put(block.cid, block.bytes)
      const started = performance.now()
      const bytes = await fetchBlock(asking.node, block.cid, [closer.multiaddrs[0]!, honest.multiaddrs[0]!])
      expect(performance.now() - started).toBeLessThan(5_000)
      expect(Buffer.compare(Buffer.from(bytes), Buffer.from(block.bytes))).toBe(0)
      expect(Buffer.compare(Buffer.from((await stored(asking.node, block.cid))!), Buffer.from(block.bytes))).toBe(0)
    }
    // Each fetch found the closed stream gone and opened a new one.
    expect(streams).toBe(2)
    expect(asking.events.filter((event) => event.type === 'broke-protocol' && event.peer === closer.peerId)).toHaveLength(2)
  })
})
