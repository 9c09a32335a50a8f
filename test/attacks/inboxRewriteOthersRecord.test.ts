// Attack: a certified doctor who also holds a grant from Alice tries to rewrite or
// withdraw a record another doctor wrote, by sending an inbox item that names the other
// doctor's item in `replaces` / `withdraws`. The promise: a doctor can change only what
// they signed; the item is refused, and Alice's record and its history stay as they were.
import { hashTypedData } from 'viem'
import { getBlock } from 'viem/actions'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSalusClients } from '../../src/chain/createSalusClients.ts'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { buildCondition } from '../../src/core/fhir/recordForms.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { provenanceTypedData } from '../../src/core/vault/provenance.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { acceptInboxItem, type AcceptInboxItemParameters } from '../../src/flows/inbox/acceptInboxItem.ts'
import type { InboxItem } from '../../src/flows/inbox/inboxItem.ts'

let anvil: Anvil
let config: NetworkConfig
let chain: AcceptInboxItemParameters['chain']
const okafor = privateKeyToAccount(anvilAccount(2).privateKey)
const weber = privateKeyToAccount(anvilAccount(3).privateKey)

beforeAll(async () => {
  anvil = await startAnvil()
  config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  const { publicClient } = createSalusClients(config)
  chain = { client: publicClient, registry: config.contracts.Registry.address, fromBlock: BigInt(config.contracts.Registry.deployBlock), chainId: config.chainId, consent: config.contracts.Consent!.address }
}, 120_000)
afterAll(() => anvil?.stop())

async function item(signer: typeof okafor, resource: FhirResource, grantId: bigint, extra: { replaces?: string; withdraws?: string } = {}): Promise<InboxItem> {
  // Signed after the seeded certification (the chain's clock, not the wall's).
  const signedAt = Number((await getBlock(chain.client)).timestamp)
  const fields = { chainId: config.chainId, consent: chain.consent, grantId: grantId.toString(), scope: 'conditions' as const, signedAt, ...extra }
  const typed = provenanceTypedData(resource, fields)
  return { id: hashTypedData(typed), grantId, scope: 'conditions', from: signer.address, resource, signature: await signer.signTypedData(typed), signedAt, receivedAt: Date.now(), ...extra }
}

describe('a doctor rewriting another doctor’s record through the inbox', () => {
  it('is refused for an amendment and for a withdrawal; the record and its history are unchanged', async () => {
    const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (11 * 7 + i) & 255)))
    const vault = await Vault.open({ keys, blocks: memoryBlockAccess(), index: memoryRecordIndex() })
    const answer = async () => {}
    const original = await item(okafor, buildCondition({ name: 'Atrial fibrillation', onset: '2025-06-01' }), 1n)
    const accepted = await acceptInboxItem({ vault, item: original, chain, answer })
    const before = vault.history(accepted.summary.cid)

    const rewrite = await item(weber, buildCondition({ name: 'No arrhythmia', onset: '2025-06-01' }), 2n, { replaces: original.id })
    await expect(acceptInboxItem({ vault, item: rewrite, chain, answer })).rejects.toMatchObject({ name: 'RecordChangeRefusedError' })
    const erase = await item(weber, buildCondition({ name: 'Atrial fibrillation', onset: '2025-06-01' }), 2n, { withdraws: original.id })
    await expect(acceptInboxItem({ vault, item: erase, chain, answer })).rejects.toMatchObject({ name: 'RecordChangeRefusedError' })

    expect(vault.history(accepted.summary.cid)).toEqual(before)
    expect(vault.list().map((s) => s.cid)).toEqual([accepted.summary.cid])
    expect(vault.list()[0]!.status).toBeUndefined()
    // The author of the record can change it: the refusal above is about who, not about the item's form.
    const own = await item(okafor, buildCondition({ name: 'Atrial fibrillation, paroxysmal', onset: '2025-06-01' }), 1n, { replaces: original.id })
    await acceptInboxItem({ vault, item: own, chain, answer })
    expect(vault.history(accepted.summary.cid)).toHaveLength(2)
  })
})
