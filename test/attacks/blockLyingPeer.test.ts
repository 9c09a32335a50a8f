// A peer answers every want with bytes that do not hash to the CID. The asker must not
// store or return them, must take the block from an honest peer, and must ask the liar last.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { askingNode, fetchBlock, holder, hostileHolder, rawBlock, stored } from '../support/blockPeers.ts'
import type { BlockExchangeEvent } from '../../src/p2p/blockExchange.ts'

describe('attack: a peer sends wrong bytes for a CID', () => {
  const nodes: Array<CareNode | SalusNode> = []
  let liar: Awaited<ReturnType<typeof hostileHolder>>
  let honest: CareNode
  let asking: { node: SalusNode; events: BlockExchangeEvent[] }
  let block: Awaited<ReturnType<typeof rawBlock>>
  let forged: Uint8Array

  beforeAll(async () => {
    block = await rawBlock(40_000, 1)
    forged = (await rawBlock(40_000, 2)).bytes
    liar = await hostileHolder((want, _stream, send) => send({ id: want.id, block: forged }))
    honest = await holder([block])
    asking = await askingNode(7, { hedgeAfterMs: 10_000 })
    nodes.push(liar, honest, asking.node)
  })

  afterAll(async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()))
  })

  it('with only the liar: nothing is stored or returned, the fetch fails at its deadline', async () => {
    await expect(fetchBlock(asking.node, block.cid, [liar.multiaddrs[0]!], 1_500)).rejects.toThrow()
    expect(liar.wants.length).toBeGreaterThan(0)
    expect(await stored(asking.node, block.cid)).toBeUndefined()
    expect(asking.events.some((event) => event.type === 'lied' && event.peer === liar.peerId)).toBe(true)
  })

  it('with the liar asked first: the honest peer serves the block at once, and only the right bytes are stored', async () => {
    const other = await rawBlock(30_000, 3)
    await honest.helia.blockstore.put(other.cid, other.bytes)
    const started = performance.now()
    const bytes = await fetchBlock(asking.node, other.cid, [liar.multiaddrs[0]!, honest.multiaddrs[0]!])
    // Failing over on a lie does not wait for the 10 s hedge.
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(other.bytes))).toBe(0)
    expect(Buffer.compare(Buffer.from((await stored(asking.node, other.cid))!), Buffer.from(other.bytes))).toBe(0)
  })

  it('the liar is asked last afterwards, even when named first', async () => {
    const third = await rawBlock(20_000, 4)
    await honest.helia.blockstore.put(third.cid, third.bytes)
    const before = liar.wants.length
    await fetchBlock(asking.node, third.cid, [liar.multiaddrs[0]!, honest.multiaddrs[0]!])
    expect(liar.wants.length).toBe(before)
  })
})
