// A peer reads wants and never answers. The asker must get the block from another peer
// (asked after hedgeAfterMs), give the staller up after wantTimeoutMs and drop its stream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BlockExchangeEvent } from '../../src/p2p/blockExchange.ts'
import type { CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { askingNode, fetchBlock, holder, hostileHolder, rawBlock, stored } from '../support/blockPeers.ts'

describe('attack: a peer stalls on every want', () => {
  const nodes: Array<CareNode | SalusNode> = []
  let staller: Awaited<ReturnType<typeof hostileHolder>>
  let honest: CareNode
  let asking: { node: SalusNode; events: BlockExchangeEvent[] }

  beforeAll(async () => {
    staller = await hostileHolder(() => {})
    honest = await holder()
    asking = await askingNode(8, { hedgeAfterMs: 300, wantTimeoutMs: 1_500 })
    nodes.push(staller, honest, asking.node)
  })

  afterAll(async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()))
  })

  it('the next peer serves the block after the hedge delay, not after the stall', async () => {
    const block = await rawBlock(50_000, 5)
    await honest.helia.blockstore.put(block.cid, block.bytes)
    const started = performance.now()
    const bytes = await fetchBlock(asking.node, block.cid, [staller.multiaddrs[0]!, honest.multiaddrs[0]!])
    const elapsed = performance.now() - started
    expect(staller.wants.some((want) => want.want.equals(block.cid))).toBe(true)
    expect(elapsed).toBeGreaterThanOrEqual(250)
    expect(elapsed).toBeLessThan(1_500)
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(block.bytes))).toBe(0)
    expect(Buffer.compare(Buffer.from((await stored(asking.node, block.cid))!), Buffer.from(block.bytes))).toBe(0)
  })

  it('with only the staller: the want is given up after wantTimeoutMs and its stream dropped; the fetch fails at its deadline', async () => {
    const block = await rawBlock(10_000, 6)
    await expect(fetchBlock(asking.node, block.cid, [staller.multiaddrs[0]!], 2_500)).rejects.toThrow()
    expect(asking.events.some((event) => event.type === 'stalled' && event.peer === staller.peerId)).toBe(true)
    expect(await stored(asking.node, block.cid)).toBeUndefined()
  })
})
