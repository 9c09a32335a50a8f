// Attack: the patient rotated her card (lost wallet); whoever holds the old card, even a
// certified responder whose break-glass on it is still within the hour, reads with it.
// The test rotates through the app's flow (revokeGrant, then a new card) on the real
// chain and asserts: the proxies refuse the old card's requests as revoked, the chain
// refuses a new break-glass on it, the app's read says the card was replaced, no
// plaintext comes back; and the new card reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { submitBreakGlass } from '../../src/chain/emergency/submitBreakGlass.ts'
import type { EmergencyCardGrant } from '../../src/flows/emergency/publishEmergencyCard.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { allergyOf, cardHolderKeys, passFor, rawHeadRead, rawOpen, readAs, refusalCodes, startCardScenario, type CardScenario } from './support/emergencySide.ts'

describe('attack: a rotated (revoked) card is used', () => {
  let s: CardScenario
  let node: SalusNode
  let newCard: EmergencyCardGrant
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

  it('before the rotation the old card reads (the attack is not refused for another reason)', async () => {
    await submitBreakGlass(s.stack.clients(paramedic.privateKey).walletClient, { emergency: s.emergencyAddress, grantId: s.card.grantId })
    expect(allergyOf((await attempt()).resource)).toBe('Penicillin')
  })

  it('after the rotation every proxy refuses the old card (revoked), heads too, and the chain and the app refuse it', async () => {
    newCard = await s.emergency.rotate(s.card)
    await expect.poll(() => refusalCodes(attempt()), { timeout: 15_000, interval: 500 }).toEqual(['revoked', 'revoked'])
    const card = cardHolderKeys(s.card)
    const head = await rawHeadRead(s.stack, node, { grantId: s.card.grantId, patientSeed: s.patient.keys.preMasterSeed, signingKey: card.receivingSecretKey, responder: await passFor(s.stack, paramedic.privateKey, s.card.grantId) })
    expect(head).toMatch(/^unauthorized: .*replaced/)
    await expect(submitBreakGlass(s.stack.clients(paramedic.privateKey).walletClient, { emergency: s.emergencyAddress, grantId: s.card.grantId })).rejects.toMatchObject({ errorName: 'Emergency__GrantNotActive' })
    await expect(readAs(s.stack, paramedic.privateKey, node, s.card)).rejects.toMatchObject({ name: 'EmergencyCardEndedError', reason: 'revoked' })
  })

  it('the new card reads the summary', async () => {
    expect(newCard.grantId).not.toBe(s.card.grantId)
    const read = await readAs(s.stack, paramedic.privateKey, node, newCard)
    read.close()
    expect(read.records.map((record) => allergyOf(record.resource))).toEqual(['Penicillin'])
  })
})
