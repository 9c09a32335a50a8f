import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { chainAnchorer } from '../../src/chain/chainAnchorer.ts'
import { createSalusClients } from '../../src/chain/createSalusClients.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { verifyAnchor } from '../../src/chain/verifyAnchor.ts'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys, keyDerivationTypedData } from '../../src/core/keys/deriveKeys.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'

let anvil: Anvil | undefined
let config: NetworkConfig

beforeAll(async () => {
  anvil = await startAnvil()
  config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey })
})

afterAll(() => {
  anvil?.stop()
})

const records = [
  { resourceType: 'Condition', code: { text: 'Asthma' }, subject: { reference: 'Patient/p' }, onsetDateTime: '2015-03-02' },
  { resourceType: 'Immunization', status: 'completed', vaccineCode: { text: 'Tetanus' }, patient: { reference: 'Patient/p' }, occurrenceDateTime: '2020-09-10' },
  {
    resourceType: 'Observation',
    status: 'final',
    code: { text: 'Glucose' },
    effectiveDateTime: '2024-05-01',
    valueQuantity: { value: 95, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
  },
]

describe('vault anchoring on a real chain', () => {
  it('anchors three records in one batch and verifies each against the Anchors contract', async () => {
    const patient = privateKeyToAccount(anvilAccount(8).privateKey)
    const { publicClient, walletClient } = createSalusClients(config, patient)
    const anchorer = chainAnchorer({ publicClient, walletClient, config })
    const keys = deriveKeys(await walletClient.signTypedData(keyDerivationTypedData(patient.address)))
    const blocks = memoryBlockAccess()
    const index = memoryRecordIndex()
    const vault = await Vault.open({ keys, blocks, index, anchorer })
    for (const resource of records) await vault.addRecord({ resource, source: 'form' })
    expect(vault.pendingAnchors()).toBe(3)

    const anchor = await vault.anchorPending()
    expect(anchor).toMatchObject({ chainId: 31337, contract: config.contracts.Anchors.address })
    expect(vault.pendingAnchors()).toBe(0)
    const block = await publicClient.getBlock({ blockNumber: BigInt(anchor!.blockNumber) })
    expect(anchor!.timestamp).toBe(Number(block.timestamp))

    for (const summary of vault.list()) {
      const result = await vault.verifyRecord(summary.cid)
      expect(result.checks.map((c) => [c.label, c.ok])).toEqual([
        ['Stored data unaltered', true],
        ['Signature and encryption', true],
        ['Included in anchored batch', true],
        ['Root recorded on chain', true],
      ])
      // The contract agrees with the proof the vault saved (TypeScript/Solidity parity).
      const a = summary.anchor!
      expect(await verifyAnchor(publicClient, { anchors: a.contract, batchId: BigInt(a.batchId), leaf: a.leaf, proof: a.proof })).toBe(true)
    }

    // The same vault read against a deployment that never saw the batch fails only the chain check.
    const other = await deploySalus({ rpcUrl: config.rpcUrl, privateKey: anvilAccount(0).privateKey })
    const impostor = { ...chainAnchorer({ publicClient, config: other }), contract: config.contracts.Anchors.address }
    const reread = await Vault.open({ keys, blocks, index, anchorer: impostor })
    const checks = (await reread.verifyRecord(vault.list()[0]!.cid)).checks
    expect(checks.filter((c) => !c.ok).map((c) => c.label)).toEqual(['Root recorded on chain'])
    expect(checks.at(-1)!.detail).toMatch(/not on chain/)
  })
})
