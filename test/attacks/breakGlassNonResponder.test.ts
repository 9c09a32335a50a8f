// Attack: someone who is not a responder (here Bob, another patient) holds Alice's card:
// they found her wallet, or photographed her lock screen. The card gives them its secret,
// hence the card account's key and the card's Umbral key, and the grant id. They try
// every way in: a break-glass from their account; a break-glass request with their own
// signed pass; and, as the card's grantee, an access session logged from the card's own
// account and a doctor-style request signed with the card key. The test asserts the chain
// and every real care-node proxy refuse each with its named reason, and no plaintext
// comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { logAccess } from '../../src/chain/consent/logAccess.ts'
import { submitBreakGlass } from '../../src/chain/emergency/submitBreakGlass.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { cardHolderKeys, passFor, rawHeadRead, rawOpen, readAs, refusalCodes, startCardScenario, type CardScenario } from './support/emergencySide.ts'

describe('attack: a non-responder holding the card reads the summary', () => {
  let s: CardScenario
  let node: SalusNode
  const bob = anvilAccount(9)

  beforeAll(async () => {
    s = await startCardScenario()
    node = await s.stack.node(bob.account.address, 9)
  })

  afterAll(async () => {
    await s?.stack.stop()
  })

  it('the chain refuses their break-glass, and the app’s read stops there', async () => {
    await expect(submitBreakGlass(s.stack.clients(bob.privateKey).walletClient, { emergency: s.emergencyAddress, grantId: s.card.grantId })).rejects.toMatchObject({
      name: 'ContractRefusedError',
      errorName: 'Emergency__NotResponder',
    })
    await expect(readAs(s.stack, bob.privateKey, node, s.card)).rejects.toMatchObject({ errorName: 'Emergency__NotResponder' })
  })

  it('every proxy refuses a break-glass request with their own pass (not-responder), and the head read', async () => {
    const card = cardHolderKeys(s.card)
    const attempt = async () =>
      rawOpen(s.stack, node, { grantId: s.card.grantId, record: s.summaryCid, bundleKey: card.receivingSecretKey, bundleBytes: await s.bundleBytes(node), signingKey: card.receivingSecretKey, responder: await passFor(s.stack, bob.privateKey, s.card.grantId) })
    await expect.poll(() => refusalCodes(attempt()), { timeout: 15_000, interval: 500 }).toEqual(['not-responder', 'not-responder'])
    const head = await rawHeadRead(s.stack, node, { grantId: s.card.grantId, patientSeed: s.patient.keys.preMasterSeed, signingKey: card.receivingSecretKey, responder: await passFor(s.stack, bob.privateKey, s.card.grantId) })
    expect(head).toMatch(/^unauthorized: .*not a certified responder/)
  })

  it('as the card’s grantee, a logged session and a request signed with the card key open nothing (bad-signature: a card has no directory key)', async () => {
    const card = cardHolderKeys(s.card)
    // The card's account still holds gas left from recording the grant.
    await logAccess(s.stack.clients(card.accountPrivateKey).walletClient, { consent: s.stack.consent, grantId: s.card.grantId, scopesMask: 1 })
    const attempt = async () => rawOpen(s.stack, node, { grantId: s.card.grantId, record: s.summaryCid, bundleKey: card.receivingSecretKey, bundleBytes: await s.bundleBytes(node), signingKey: card.receivingSecretKey })
    expect(await refusalCodes(attempt())).toEqual(['bad-signature', 'bad-signature'])
    const head = await rawHeadRead(s.stack, node, { grantId: s.card.grantId, patientSeed: s.patient.keys.preMasterSeed, signingKey: card.receivingSecretKey })
    expect(head).toMatch(/^unauthorized: .*not signed by the grantee/)
  })
})
