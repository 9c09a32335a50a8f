// Attack: fill a care node with manifest heads, or overwrite one. Anyone can make a fresh
// Umbral author key and sign heads with it, so the author's signature alone does not say
// who may use the node's disk: the attacker sends correctly author-signed heads under
// fresh author keys without any patient identity, then with a forged identity signature,
// and tries a head whose author signature is forged. The care node must store none.
import { readStoredHead } from '../../src/p2p/serveHeadProtocol.ts'
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { careSignerFor, encodeCareAuth, signCareRequest } from '../../src/p2p/careAuth.ts'
import { encodeHeadRequest, headProtocol } from '../../src/p2p/headProtocol.ts'
import { publishHead } from '../../src/p2p/requestHead.ts'
import { freshHead, peer, rawExchange } from './careSupport.ts'

describe('attack: fill a care node with manifest heads', () => {
  let care: CareNode
  let attacker: SalusNode

  beforeAll(async () => {
    care = await startCareNode({ port: 0, identities: { registrationWorkBits: 8 } })
    attacker = await peer(81, care.multiaddrs)
  })
  afterAll(async () => {
    await attacker?.stop()
    await care?.stop()
  })

  it('a head put without a patient identity is not stored', async () => {
    const kept: number[] = []
    for (let i = 0; i < 5; i++) {
      const head = await freshHead(attacker)
      const answer = await rawExchange(attacker, care, headProtocol, { v: 1, op: 'put', head })
      if (answer.ok) kept.push(i)
      expect(await readStoredHead(care.helia.datastore, head.head.author, 'labs')).toBeUndefined()
    }
    console.info(`unsigned head puts stored: ${kept.length} of 5`)
    expect(kept).toEqual([])
  })

  it('a head put with a forged identity signature is not stored', async () => {
    const head = await freshHead(attacker)
    const body = encodeHeadRequest({ v: 1, op: 'put', head })
    const auth = signCareRequest('head', body, care.peerId, careSignerFor(new Uint8Array(randomBytes(32)), care.peerId, 8))
    auth.sig = new Uint8Array(randomBytes(64))
    const answer = await rawExchange(attacker, care, headProtocol, { ...body, auth: encodeCareAuth(auth) })
    expect(answer).toMatchObject({ ok: false, code: 'unauthorized' })
    expect(await readStoredHead(care.helia.datastore, head.head.author, 'labs')).toBeUndefined()
  })

  it('a head whose author signature is forged is refused even from a registered identity', async () => {
    const head = await freshHead(attacker)
    const forged = { head: { ...head.head, seq: 5 }, sig: head.sig }
    await expect(publishHead(attacker, { peer: care.multiaddrs[0]!, head: forged, identitySeed: new Uint8Array(32).fill(81) })).rejects.toMatchObject({ code: 'bad-signature' })
    expect(await readStoredHead(care.helia.datastore, head.head.author, 'labs')).toBeUndefined()
    // The same identity with the real head is kept.
    await publishHead(attacker, { peer: care.multiaddrs[0]!, head, identitySeed: new Uint8Array(32).fill(81) })
    expect((await readStoredHead(care.helia.datastore, head.head.author, 'labs'))?.head.seq).toBe(1)
  })
})
