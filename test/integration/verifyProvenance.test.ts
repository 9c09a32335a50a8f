import type { ChildProcess } from 'node:child_process'
import { createPublicClient, createTestClient, hashTypedData, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getBlock } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSalusClients } from '../../src/chain/createSalusClients.ts'
import { Registry } from '../../src/chain/generated/Registry.ts'
import { getRoleHistory } from '../../src/chain/getRoleHistory.ts'
import { registryRoles } from '../../src/chain/registryRoles.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { spawnDevTool } from '../../src/chain/deploy/devTools.ts'
import { buildCondition } from '../../src/core/fhir/recordForms.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { provenanceTypedData, type RecordProvenance } from '../../src/core/vault/provenance.ts'
import { verifyProvenance, type ProvenanceChain } from '../../src/flows/inbox/verifyProvenance.ts'
import { acceptInboxItem } from '../../src/flows/inbox/acceptInboxItem.ts'
import type { InboxAnswer, InboxItem } from '../../src/flows/inbox/inboxItem.ts'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'

// A real anvil chain with the seeded Registry: Dr. Amara Okafor (account 2) is certified
// by the Medical Council (account 1) at deploy, decertified later in this file.
let anvil: ChildProcess
let config: NetworkConfig
let chain: ProvenanceChain
let testClient: ReturnType<typeof createTestClient>
const doctor = privateKeyToAccount(anvilAccount(2).privateKey)
const council = privateKeyToAccount(anvilAccount(1).privateKey)
const forger = privateKeyToAccount(anvilAccount(9).privateKey)
const resource = buildCondition({ name: 'Hypertension', onset: '2024-02-01' })

async function startAnvil(): Promise<string> {
  const port = await freePort()
  const launched = spawnDevTool('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore' })
  anvil = launched.child
  await launched.started
  const rpcUrl = `http://127.0.0.1:${port}`
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await probe.getChainId()
      return rpcUrl
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error('anvil did not start')
}

async function provenance(r: FhirResource, signedAt: number, signer = doctor, author = doctor.address): Promise<RecordProvenance> {
  const fields = { chainId: config.chainId, consent: config.contracts.Consent!.address, grantId: '1', scope: 'conditions' as const, signedAt }
  const typed = provenanceTypedData(r, fields)
  const signature = await signer.signTypedData(typed)
  return { ...fields, itemId: hashTypedData(typed), author, signature, acceptedAt: new Date((signedAt + 60) * 1000).toISOString() }
}

const keysFor = (seed: number) => deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (seed * 7 + i) & 255)))

async function latestTimestamp(): Promise<number> {
  return Number((await getBlock(chain.client)).timestamp)
}

beforeAll(async () => {
  const rpcUrl = await startAnvil()
  config = await deploySalus({ rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  const { publicClient } = createSalusClients(config)
  testClient = createTestClient({ mode: 'anvil', transport: http(rpcUrl) })
  chain = { client: publicClient, registry: config.contracts.Registry.address, fromBlock: BigInt(config.contracts.Registry.deployBlock) }
}, 120_000)

afterAll(() => {
  anvil?.kill()
})

describe('verifyProvenance on a real Registry', () => {
  let certifiedAt: number
  let beforeDecertification: RecordProvenance

  it('verifies a record signed by a certified doctor, with their directory name', async () => {
    const { changes } = await getRoleHistory(chain.client, { registry: chain.registry, role: 'doctor', account: doctor.address, fromBlock: chain.fromBlock })
    expect(changes.map((c) => c.held)).toEqual([true])
    certifiedAt = changes[0]!.timestamp
    await testClient.increaseTime({ seconds: 3600 })
    await testClient.mine({ blocks: 1 })
    beforeDecertification = await provenance(resource, (await latestTimestamp()) - 10)
    const verdict = await verifyProvenance({ resource, provenance: beforeDecertification }, chain)
    expect(verdict).toMatchObject({ verified: true, signature: true, doctorAtSignedAt: true, authorName: 'Dr. Amara Okafor' })
    expect(verdict.detail).toContain('Dr. Amara Okafor')
  })

  it('does not verify a record claimed signed before the doctor was certified', async () => {
    const verdict = await verifyProvenance({ resource, provenance: await provenance(resource, certifiedAt - 3600) }, chain)
    expect(verdict).toMatchObject({ verified: false, signature: true, doctorAtSignedAt: false })
  })

  it('does not verify a forged signature, nor a non-doctor signing as themself', async () => {
    const forged = await provenance(resource, (await latestTimestamp()) - 10, forger)
    expect(await verifyProvenance({ resource, provenance: forged }, chain)).toMatchObject({ verified: false, signature: false, doctorAtSignedAt: true })
    const altered = buildCondition({ name: 'Hypertension, resolved', onset: '2024-02-01' })
    expect(await verifyProvenance({ resource: altered, provenance: beforeDecertification }, chain)).toMatchObject({ verified: false, signature: false })
    const selfSigned = await provenance(resource, (await latestTimestamp()) - 10, forger, forger.address)
    expect(await verifyProvenance({ resource, provenance: selfSigned }, chain)).toMatchObject({ verified: false, signature: true, doctorAtSignedAt: false })
  })

  it('accepting an item adds it with its provenance, an amend from the same doctor replaces it; forged or unknown targets add nothing', async () => {
    const vault = await Vault.open({ keys: keysFor(3), blocks: memoryBlockAccess(), index: memoryRecordIndex() })
    // The chain runs an hour ahead of the wall clock here (evm_increaseTime): accept at chain time.
    const chainNow = () => new Date((chainTime + 60) * 1000)
    const chainTime = await latestTimestamp()
    const answers: [string, InboxAnswer][] = []
    const answer = async (item: InboxItem, a: InboxAnswer) => void answers.push([item.id, a])
    // Items as part mailbox's collectInbox returns them: the id is the signed typed data's digest.
    const item = async (r: FhirResource, extra: Partial<InboxItem> = {}, signer = doctor): Promise<InboxItem> => {
      const signedAt = (await latestTimestamp()) - 5
      const fields = { chainId: config.chainId, consent, grantId: '1', scope: 'conditions' as const, signedAt, ...(extra.replaces ? { replaces: extra.replaces } : {}) }
      const typed = provenanceTypedData(r, fields)
      const signature = await signer.signTypedData(typed)
      return { id: hashTypedData(typed), grantId: 1n, scope: 'conditions', from: doctor.address, resource: r, signature, signedAt, receivedAt: signedAt + 1, ...extra }
    }
    const consent = config.contracts.Consent!.address
    const first = await item(resource)
    const accepted = await acceptInboxItem({ vault, item: first, chain: { ...chain, chainId: config.chainId, consent: config.contracts.Consent!.address }, answer, now: chainNow })
    expect(accepted).toMatchObject({ answered: true, verdict: { verified: true, authorName: 'Dr. Amara Okafor' } })
    expect(accepted.summary.provenance).toMatchObject({ author: doctor.address, itemId: first.id, grantId: '1' })
    expect(answers).toEqual([[first.id, { outcome: 'accepted' }]])

    const forged = await item(resource, {}, forger)
    await expect(acceptInboxItem({ vault, item: forged, chain: { ...chain, chainId: config.chainId, consent: config.contracts.Consent!.address }, answer, now: chainNow })).rejects.toMatchObject({ name: 'InboxItemUnverifiedError' })
    const orphan = await item(resource, { replaces: `0x${'ab'.repeat(32)}` })
    await expect(acceptInboxItem({ vault, item: orphan, chain: { ...chain, chainId: config.chainId, consent: config.contracts.Consent!.address }, answer, now: chainNow })).rejects.toMatchObject({ name: 'InboxTargetMissingError' })
    expect(vault.list()).toHaveLength(1)

    const amended = buildCondition({ name: 'Hypertension, stage 1', onset: '2024-02-01' })
    const amendment = await item(amended, { replaces: first.id })
    const second = await acceptInboxItem({ vault, item: amendment, chain: { ...chain, chainId: config.chainId, consent: config.contracts.Consent!.address }, answer, now: chainNow })
    expect(vault.history(second.summary.cid).map((s) => s.provenance?.itemId)).toEqual([first.id, amendment.id])
    expect(vault.list()).toHaveLength(1)
  })

  it('after decertification: a record signed later is not verified, one signed before still is', async () => {
    const { walletClient, publicClient } = createSalusClients(config, council)
    await testClient.increaseTime({ seconds: 60 })
    const txHash = await walletClient.writeContract({
      address: chain.registry,
      abi: Registry.abi,
      functionName: 'decertify',
      args: [registryRoles.doctor, doctor.address],
      account: council,
      chain: walletClient.chain,
    })
    const receipt = await publicClient.waitForTransactionReceipt({ hash: txHash })
    expect(receipt.status).toBe('success')
    const decertifiedAt = Number((await publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp)

    const after = await provenance(resource, decertifiedAt + 1)
    const verdict = await verifyProvenance({ resource, provenance: after }, chain)
    expect(verdict).toMatchObject({ verified: false, signature: true, doctorAtSignedAt: false })
    expect(verdict.detail).toContain('was not a certified doctor')
    expect(await verifyProvenance({ resource, provenance: beforeDecertification }, chain)).toMatchObject({ verified: true })

    const chainNow = () => new Date((decertifiedAt + 60) * 1000)
    // An item signed while certified is still refused once the doctor is decertified: nothing is added.
    const vault = await Vault.open({ keys: keysFor(4), blocks: memoryBlockAccess(), index: memoryRecordIndex() })
    const item: InboxItem = {
      id: beforeDecertification.itemId, grantId: 1n, scope: 'conditions', from: doctor.address, resource,
      signature: beforeDecertification.signature, signedAt: beforeDecertification.signedAt, receivedAt: beforeDecertification.signedAt,
    }
    await expect(acceptInboxItem({ vault, item, chain: { ...chain, chainId: config.chainId, consent: config.contracts.Consent!.address }, answer: async () => {}, now: chainNow })).rejects.toMatchObject({
      name: 'InboxItemUnverifiedError',
      shortMessage: expect.stringContaining('no longer a certified doctor'),
    })
    expect(vault.list()).toHaveLength(0)
  })

  it('refuses a signedAt later than the acceptance (a back door around decertification)', async () => {
    const future = await provenance(resource, certifiedAt + 1800)
    const verdict = await verifyProvenance({ resource, provenance: { ...future, acceptedAt: new Date(certifiedAt * 1000).toISOString() } }, chain)
    expect(verdict).toMatchObject({ verified: false, signature: true, doctorAtSignedAt: false })
  })
})
