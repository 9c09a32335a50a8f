// The block exchange between real libp2p nodes: many wants to one peer share one
// long-lived stream, at most wantsInFlightPerPeer open at once; a block none of the
// named peers holds comes from a connected peer that does; a refused want is asked again.
import type { Stream } from '@libp2p/interface'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../src/p2p/networkBlockAccess.ts'
import { askingNode, fetchBlock, holder, hostileHolder, rawBlock } from '../support/blockPeers.ts'

describe('block exchange over /salus/blocks/1.0.0', () => {
  const nodes: Array<CareNode | SalusNode> = []
  let counting: Awaited<ReturnType<typeof hostileHolder>>
  const streams = new Set<Stream>()
  let open = 0
  let maxOpen = 0
  let blocks: Awaited<ReturnType<typeof rawBlock>>[]

  beforeAll(async () => {
    blocks = await Promise.all(Array.from({ length: 100 }, (_, i) => rawBlock(2_000 + i, 100 + i)))
    const byCid = new Map(blocks.map((block) => [block.cid.toString(), block.bytes]))
    // An honest holder that answers after 20 ms and counts what is open at once.
    counting = await hostileHolder((want, stream, send) => {
      streams.add(stream)
      open += 1
      maxOpen = Math.max(maxOpen, open)
      setTimeout(() => {
        open -= 1
        const bytes = byCid.get(want.want.toString())
        send(bytes ? { id: want.id, block: bytes } : { id: want.id, missing: true })
      }, 20)
    })
    nodes.push(counting)
  })

  afterAll(async () => {
    await Promise.allSettled(nodes.map((node) => node.stop()))
  })

  it('sends 100 concurrent wants to one peer over one stream, 32 in flight at most', async () => {
    const { node } = await askingNode(30)
    nodes.push(node)
    const access = networkBlockAccess(node, { providers: [counting.multiaddrs[0]!] })
    const started = performance.now()
    const fetched = await Promise.all(blocks.map((block) => access.get(block.cid)))
    const elapsed = performance.now() - started
    fetched.forEach((bytes, i) => expect(Buffer.compare(Buffer.from(bytes), Buffer.from(blocks[i]!.bytes))).toBe(0))
    expect(streams.size).toBe(1)
    expect(maxOpen).toBe(32)
    console.log(`100 blocks over one stream in ${elapsed.toFixed(0)} ms`)
  })

  it('finds a block the named peers lack on another connected peer', async () => {
    const block = await rawBlock(5_000, 40)
    const elsewhere = await holder([block])
    const empty = await holder()
    nodes.push(elsewhere, empty)
    const { node } = await askingNode(31)
    nodes.push(node)
    // Connected (and identified) but not named as a provider.
    await node.libp2p.dial((await import('@multiformats/multiaddr')).multiaddr(elsewhere.multiaddrs[0]!))
    await new Promise((resolve) => setTimeout(resolve, 300))
    const bytes = await fetchBlock(node, block.cid, [empty.multiaddrs[0]!])
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(block.bytes))).toBe(0)
  })

  it('asks again when the only holder refuses a want for being over its limit', async () => {
    const block = await rawBlock(5_000, 41)
    let refusals = 0
    const refusing = await hostileHolder((want, _stream, send) => {
      if (refusals < 2) {
        refusals += 1
        send({ id: want.id, refused: 'too-many-wants' })
      } else send({ id: want.id, block: block.bytes })
    })
    nodes.push(refusing)
    const { node } = await askingNode(32)
    nodes.push(node)
    const bytes = await fetchBlock(node, block.cid, [refusing.multiaddrs[0]!])
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(block.bytes))).toBe(0)
    expect(refusing.wants.length).toBe(3)
  })

  it('a slow but steady holder is not taken for a staller: the stall clock runs from its last byte, not from each want', async () => {
    const slow = await Promise.all([50, 51, 52, 53].map((fill) => rawBlock(3_000, fill)))
    const byCid = new Map(slow.map((block) => [block.cid.toString(), block.bytes]))
    const streamsSeen = new Set<Stream>()
    const steady = await hostileHolder((want, stream, send) => {
      streamsSeen.add(stream)
      setTimeout(() => send({ id: want.id, block: byCid.get(want.want.toString())! }), 500)
    })
    nodes.push(steady)
    // One want at a time: the last one waits ~1.5 s in the queue, longer than the 1 s stall limit.
    const { node, events } = await askingNode(33, { wantsInFlightPerPeer: 1, wantTimeoutMs: 1_000, hedgeAfterMs: 10_000 })
    nodes.push(node)
    const access = networkBlockAccess(node, { providers: [steady.multiaddrs[0]!] })
    const fetched = await Promise.all(slow.map((block) => access.get(block.cid)))
    fetched.forEach((bytes, i) => expect(Buffer.compare(Buffer.from(bytes), Buffer.from(slow[i]!.bytes))).toBe(0))
    expect(events.filter((event) => event.type === 'stalled')).toEqual([])
    expect(streamsSeen.size).toBe(1)
  })
})
