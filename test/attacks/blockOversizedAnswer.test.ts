// A peer answers a want with a frame that claims 64 MiB and keeps sending. The asker must
// refuse it by its length prefix (never buffering past one block), drop the stream, and
// take the block from another peer at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockExchangeEvent } from '../../src/p2p/blockExchange.ts'
import type { CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { askingNode, fetchBlock, holder, hostileHolder, rawBlock, stored, varint } from '../support/blockPeers.ts'

describe('attack: a peer sends an answer larger than any block', () => {
  const nodes: Array<CareNode | SalusNode> = []
  let flooder: Awaited<ReturnType<typeof hostileHolder>>
  let honest: CareNode
  let asking: { node: SalusNode; events: BlockExchangeEvent[] }
  let sent = 0

  beforeAll(async () => {
    flooder = await hostileHolder((_want, stream) => {
      stream.send(varint(64 * 1024 * 1024))
      const chunk = new Uint8Array(256 * 1024)
      const pump = () => {
        while (stream.status === 'open' && sent < 64 * 1024 * 1024) {
          sent += chunk.byteLength
          if (!stream.send(chunk)) return void stream.onDrain().then(pump, () => {})
        }
      }
      pump()
    })
    honest = await holder()
    asking = await askingNode(10, { hedgeAfterMs: 10_000 })
    nodes.push(flooder, honest, asking.node)
  })

  afterAll(async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()))
  })

  it('is refused by its length prefix; the next peer serves the block', async () => {
    const block = await rawBlock(70_000, 12)
    await honest.helia.blockstore.put(block.cid, block.bytes)
    const started = performance.now()
    const bytes = await fetchBlock(asking.node, block.cid, [flooder.multiaddrs[0]!, honest.multiaddrs[0]!])
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(block.bytes))).toBe(0)
    expect(Buffer.compare(Buffer.from((await stored(asking.node, block.cid))!), Buffer.from(block.bytes))).toBe(0)
    const refusal = asking.events.find((event) => event.type === 'broke-protocol' && event.peer === flooder.peerId)
    expect(refusal?.type === 'broke-protocol' && refusal.reason).toMatch(/exceed|length|limit/i)
    // The stream was dropped long before the 64 MiB: the flooder could not push it all.
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(sent).toBeLessThan(64 * 1024 * 1024)
  })
})
