// Attack: a certified responder holding the card reads the summary without logging a
// break-glass event, so the patient would never see the read. The grant id and the card
// key are on the card; the responder's pass is real. The test sends the break-glass
// request straight to the real care-node proxies (no flow that would log first) and
// asserts every proxy refuses it as no-break-glass and no plaintext comes back; then,
// as a control, the same request after a break-glass opens the summary.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { submitBreakGlass } from '../../src/chain/emergency/submitBreakGlass.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { allergyOf, cardHolderKeys, passFor, rawHeadRead, rawOpen, refusalCodes, startCardScenario, type CardScenario } from './support/emergencySide.ts'

describe('attack: a responder with the card reads without a break-glass event', () => {
  let s: CardScenario
  let node: SalusNode
  const paramedic = anvilAccount(6)

  beforeAll(async () => {
    s = await startCardScenario()
    node = await s.stack.node(paramedic.account.address, 6)
  })

  afterAll(async () => {
    await s?.stack.stop()
  })

  const attempt = async () => {
    const card = cardHolderKeys(s.card)
    const responder = await passFor(s.stack, paramedic.privateKey, s.card.grantId)
    return rawOpen(s.stack, node, { grantId: s.card.grantId, record: s.summaryCid, bundleKey: card.receivingSecretKey, bundleBytes: await s.bundleBytes(node), signingKey: card.receivingSecretKey, responder })
  }

  it('every proxy refuses the capsule request (no-break-glass), and the head read is refused', async () => {
    await expect.poll(() => refusalCodes(attempt()), { timeout: 15_000, interval: 500 }).toEqual(['no-break-glass', 'no-break-glass'])
    const card = cardHolderKeys(s.card)
    const head = await rawHeadRead(s.stack, node, { grantId: s.card.grantId, patientSeed: s.patient.keys.preMasterSeed, signingKey: card.receivingSecretKey, responder: await passFor(s.stack, paramedic.privateKey, s.card.grantId) })
    expect(head).toMatch(/^unauthorized: .*no break-glass/)
  })

  it('control: once the responder logs a break-glass, the same request opens the summary', async () => {
    await submitBreakGlass(s.stack.clients(paramedic.privateKey).walletClient, { emergency: s.emergencyAddress, grantId: s.card.grantId })
    const opened = await attempt()
    expect(allergyOf(opened.resource)).toBe('Penicillin')
  })
})
