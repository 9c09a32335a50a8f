// Attack: one patient identity keeps asking a care node to store more. A registered
// identity is someone the node agreed to serve, but nothing bounded what it may keep:
// one key could fill the node's disk. The attacker registers one identity (it does the
// registration work, as an honest patient would) and pins past its quota; the care node
// must refuse the request that goes over, keep none of its blocks, and leave the
// identity's usage where it was. Unpinning frees the quota again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { pinIdentity } from '../../src/crypto/pinIdentity.ts'
import { requestPin, requestUnpin } from '../../src/p2p/requestPin.ts'
import { peer, randomBlock } from './careSupport.ts'

const quotaBytes = 100_000

describe('attack: store past the quota of one identity', () => {
  let care: CareNode
  let attacker: SalusNode
  const identitySeed = new Uint8Array(32).fill(61)

  beforeAll(async () => {
    care = await startCareNode({ port: 0, pin: { blockTimeoutMs: 3_000 }, identities: { quota: { bytes: quotaBytes }, registrationWorkBits: 8 } })
    attacker = await peer(61, care.multiaddrs)
  })
  afterAll(async () => {
    await attacker?.stop()
    await care?.stop()
  })

  it('refuses the pin that goes over the quota and keeps none of it', async () => {
    const careNode = care.multiaddrs[0]!
    const first = await randomBlock(attacker, 60_000)
    expect(await requestPin(attacker, { careNode, cids: [first], identitySeed })).toMatchObject({ pinned: 1 })
    const second = await randomBlock(attacker, 60_000)
    const refusal = await requestPin(attacker, { careNode, cids: [second], identitySeed }).catch((error: unknown) => error)
    console.info('pin over the quota:', refusal instanceof Error ? `${(refusal as { code?: string }).code}: ${refusal.message}` : refusal)
    expect(refusal).toMatchObject({ name: 'PinRequestError', code: 'quota-exceeded' })
    expect(await care.helia.pins.isPinned(second)).toBe(false)
    // The identity is charged for the first block only, and the refused one is gone after the node's clean-up.
    const key = pinIdentity(identitySeed, care.peerId).publicKey
    const before = { bytes: 60_000, blocks: 1, heads: 0 }
    await care.sweep()
    expect(await care.helia.blockstore.has(second)).toBe(false)
    expect(await care.ledger.usage(key)).toEqual(before)

    // Unpin frees the quota: now another block of that size fits (a fresh one, so the
    // test does not depend on what the node kept of the deleted block).
    expect(await requestUnpin(attacker, { careNode, cids: [first], identitySeed })).toEqual({ unpinned: 1 })
    expect(await care.helia.pins.isPinned(first)).toBe(false)
    expect(await care.ledger.usage(key)).toEqual({ bytes: 0, blocks: 0, heads: 0 })
    const third = await randomBlock(attacker, 60_000)
    expect(await requestPin(attacker, { careNode, cids: [third], identitySeed })).toMatchObject({ pinned: 1 })
  })
})
