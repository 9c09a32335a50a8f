// Attack: a paramedic reads a card, is then decertified by their EMS authority, and reads
// again within the hour their earlier break-glass still covers. A proxy that looked only
// at the break-glass event (which a RESPONDER logged) would keep answering. The test
// decertifies the seeded paramedic on the real Registry and asserts the proxies refuse
// their requests as not-responder, the chain refuses a new break-glass, and no
// plaintext comes back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { Registry } from '../../src/chain/generated/Registry.ts'
import { registryRoles } from '../../src/chain/registryRoles.ts'
import { sendTransaction } from '../../src/chain/sendTransaction.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { allergyOf, cardHolderKeys, passFor, rawHeadRead, rawOpen, readAs, refusalCodes, startCardScenario, type CardScenario } from './support/emergencySide.ts'

describe('attack: a decertified responder reads again within their break-glass hour', () => {
  let s: CardScenario
  let node: SalusNode
  const paramedic = anvilAccount(6)
  const cityEms = anvilAccount(5)

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

  it('while certified, the paramedic breaks the glass and reads (the attack is not refused for another reason)', async () => {
    const read = await readAs(s.stack, paramedic.privateKey, node, s.card)
    read.close()
    expect(read.records.map((record) => allergyOf(record.resource))).toEqual(['Penicillin'])
    expect(allergyOf((await attempt()).resource)).toBe('Penicillin')
  })

  it('once decertified, every proxy refuses (not-responder), heads are refused and the chain refuses a new break-glass', async () => {
    await sendTransaction(s.stack.clients(cityEms.privateKey).walletClient, { address: s.stack.registry, abi: Registry.abi, functionName: 'decertify', args: [registryRoles.responder, paramedic.account.address] })
    await expect.poll(() => refusalCodes(attempt()), { timeout: 15_000, interval: 500 }).toEqual(['not-responder', 'not-responder'])
    const card = cardHolderKeys(s.card)
    const head = await rawHeadRead(s.stack, node, { grantId: s.card.grantId, patientSeed: s.patient.keys.preMasterSeed, signingKey: card.receivingSecretKey, responder: await passFor(s.stack, paramedic.privateKey, s.card.grantId) })
    expect(head).toMatch(/^unauthorized: .*not a certified responder/)
    await expect(readAs(s.stack, paramedic.privateKey, node, s.card)).rejects.toMatchObject({ name: 'ContractRefusedError', errorName: 'Emergency__NotResponder' })
  })
})
