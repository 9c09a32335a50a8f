// Attack: a certified responder without the card. Grant ids are public on chain, so they
// can break the glass on any card's grant and sign a pass; what they lack is the card key.
// They forge the card's part with their own Umbral key, and, to be generous to the
// attacker, even hold the opened bundle (as if it had leaked). The test asserts every
// real care-node proxy refuses as bad-signature, heads are refused, their own key does not
// open the bundle, and no plaintext comes back.
import * as umbral from '@nucypher/umbral-pre'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { submitBreakGlass } from '../../src/chain/emergency/submitBreakGlass.ts'
import { openKeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { cardHolderKeys, passFor, rawHeadRead, rawOpen, refusalCodes, startCardScenario, type CardScenario } from './support/emergencySide.ts'

describe('attack: a responder without the card forges the card’s signature', () => {
  let s: CardScenario
  let node: SalusNode
  const paramedic = anvilAccount(6)
  const ownKey = umbral.SecretKey.random()

  beforeAll(async () => {
    s = await startCardScenario()
    node = await s.stack.node(paramedic.account.address, 6)
    // The break-glass itself needs no card: the grant id is public.
    await submitBreakGlass(s.stack.clients(paramedic.privateKey).walletClient, { emergency: s.emergencyAddress, grantId: s.card.grantId })
  })

  afterAll(async () => {
    await s?.stack.stop()
  })

  it('their own key does not open the card’s bundle', async () => {
    expect(() => openKeyFragmentBundle(new Uint8Array(0), ownKey)).toThrow()
    const bytes = await s.bundleBytes(node)
    expect(() => openKeyFragmentBundle(bytes, ownKey)).toThrow(/not addressed to this key/)
  })

  it('every proxy refuses requests signed with their own key as the card’s (bad-signature), and the head read', async () => {
    const leaked = cardHolderKeys(s.card).receivingSecretKey
    const attempt = async () =>
      rawOpen(s.stack, node, { grantId: s.card.grantId, record: s.summaryCid, bundleKey: leaked, bundleBytes: await s.bundleBytes(node), signingKey: ownKey, responder: await passFor(s.stack, paramedic.privateKey, s.card.grantId) })
    await expect.poll(() => refusalCodes(attempt()), { timeout: 15_000, interval: 500 }).toEqual(['bad-signature', 'bad-signature'])
    const head = await rawHeadRead(s.stack, node, { grantId: s.card.grantId, patientSeed: s.patient.keys.preMasterSeed, signingKey: ownKey, responder: await passFor(s.stack, paramedic.privateKey, s.card.grantId) })
    expect(head).toMatch(/^unauthorized: .*not signed by the emergency card/)
  })
})
