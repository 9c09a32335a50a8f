// Attack: fill a care node with unsigned pin requests. Any peer that reaches a care node
// could ask it to fetch and keep blocks with `/salus/pin/1.0.0`: no identity, no quota,
// no end. The attacker here is a plain libp2p peer with random blocks. It sends the
// request unsigned, then with a made-up signature, then signed by a fresh key that never
// registered; the care node must keep none of the blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { careSignerFor, encodeCareAuth, signCareRequest } from '../../src/p2p/careAuth.ts'
import { pinProtocol } from '../../src/p2p/pinProtocol.ts'
import { peer, randomBlock, rawExchange } from './careSupport.ts'

describe('attack: fill a care node with unsigned pin requests', () => {
  let care: CareNode
  let attacker: SalusNode

  beforeAll(async () => {
    care = await startCareNode({ port: 0, pin: { blockTimeoutMs: 3_000 } })
    attacker = await peer(51, care.multiaddrs)
  })
  afterAll(async () => {
    await attacker?.stop()
    await care?.stop()
  })

  it('an unsigned request stores nothing', async () => {
    const cid = await randomBlock(attacker, 50_000)
    const answer = await rawExchange(attacker, care, pinProtocol, { v: 1, cids: [cid.toString()] })
    console.info('unsigned pin request answered', answer)
    expect(answer.ok).toBe(false)
    expect(await care.helia.pins.isPinned(cid)).toBe(false)
  })

  it('a request with a made-up signature stores nothing', async () => {
    const cid = await randomBlock(attacker, 50_000)
    const body = { v: 2, op: 'pin', cids: [cid.toString()] }
    const auth = signCareRequest('pin', body, care.peerId, careSignerFor(new Uint8Array(32).fill(1), care.peerId))
    auth.sig = new Uint8Array(64).fill(7)
    const answer = await rawExchange(attacker, care, pinProtocol, { ...body, auth: encodeCareAuth(auth) })
    console.info('badly signed pin request answered', answer)
    expect(answer).toMatchObject({ ok: false, code: 'unauthorized' })
    expect(await care.helia.pins.isPinned(cid)).toBe(false)
  })

  it('a key that never registered (no registration work) stores nothing', async () => {
    const cid = await randomBlock(attacker, 50_000)
    const body = { v: 2, op: 'pin', cids: [cid.toString()] }
    const auth = signCareRequest('pin', body, care.peerId, careSignerFor(new Uint8Array(32).fill(2), care.peerId))
    const answer = await rawExchange(attacker, care, pinProtocol, { ...body, auth: encodeCareAuth(auth) })
    console.info('unregistered pin request answered', answer)
    expect(answer).toMatchObject({ ok: false, code: 'unregistered' })
    expect(await care.helia.pins.isPinned(cid)).toBe(false)
    expect(await care.helia.blockstore.has(cid)).toBe(false)
  })
})
