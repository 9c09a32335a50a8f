import { describe, expect, it } from 'vitest'
import { hashTypedData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { buildCondition, buildNote } from '../../src/core/fhir/recordForms.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { provenanceSignatureHolds, provenanceTypedData, type RecordProvenance } from '../../src/core/vault/provenance.ts'
import { parseIndexEntry } from '../../src/core/vault/indexEntry.ts'
import type { Anchorer } from '../../src/core/vault/types.ts'

const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (5 * 7 + i) & 255)))
const doctor = privateKeyToAccount(`0x${'11'.repeat(32)}`)
const otherDoctor = privateKeyToAccount(`0x${'22'.repeat(32)}`)

function fakeAnchorer(): Anchorer {
  const batches = new Map<string, { root: Hex; timestamp: number }>()
  return {
    chainId: 31337,
    contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    async anchor(root) {
      const batchId = String(batches.size + 1)
      batches.set(batchId, { root, timestamp: 1_700_000_000 })
      return { batchId, txHash: `0x${'ab'.repeat(32)}`, blockNumber: '7', timestamp: 1_700_000_000 }
    },
    async readRoot(batchId) {
      return batches.get(batchId)
    },
  }
}

async function newVault(anchorer: Anchorer = fakeAnchorer()) {
  const blocks = memoryBlockAccess()
  const index = memoryRecordIndex()
  let tick = 0
  const now = () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++))
  return { vault: await Vault.open({ keys, blocks, index, anchorer, now }), blocks, index, anchorer }
}

const consent = '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512' as const

/** A provenance as acceptance makes it from a doctor's item; the item id is the typed data's digest, as part mailbox's. */
async function signed(resource: FhirResource, signer = doctor, replaces?: string): Promise<RecordProvenance> {
  const fields = { chainId: 31337, consent, grantId: '4', scope: 'conditions' as const, signedAt: 1_760_000_000, ...(replaces ? { replaces } : {}) }
  const typed = provenanceTypedData(resource, fields)
  const signature = await signer.signTypedData(typed)
  return { ...fields, itemId: hashTypedData(typed), author: doctor.address, signature, acceptedAt: '2025-01-02T00:00:00.000Z' }
}

const asthma = buildCondition({ name: 'Asthma', onset: '2015-03-02' })
const asthmaAmended = buildCondition({ name: 'Asthma, moderate persistent', onset: '2015-03-02' })

describe('vault provenance', () => {
  it('keeps a provider record’s author and signature through anchoring, backup, restore and export', async () => {
    const { vault, anchorer } = await newVault()
    const provenance = await signed(asthma)
    const added = await vault.addRecord({ resource: asthma, source: 'form', provenance })
    expect(added.source).toBe('provider')
    expect(added.provenance).toEqual(provenance)
    await vault.anchorPending()
    const verified = await vault.verifyRecord(added.cid)
    expect(verified.ok).toBe(true)
    expect(verified.checks.find((c) => c.label === "Provider's signature")?.ok).toBe(true)

    const archive = vault.backup()
    const fresh = { blocks: memoryBlockAccess(), index: memoryRecordIndex() }
    await Vault.restore({ keys, ...fresh, archive })
    const restored = await Vault.open({ keys, ...fresh, anchorer })
    expect(restored.list()).toEqual(vault.list())
    expect(restored.list()[0]!.provenance).toEqual(provenance)
    expect((await restored.verifyRecord(added.cid)).ok).toBe(true)

    const bundle = JSON.parse(await restored.exportAll()) as { entry: { fullUrl?: string; resource: FhirResource }[] }
    const prov = bundle.entry.find((e) => e.resource.resourceType === 'Provenance')!.resource as unknown as Record<string, unknown> & {
      target: { reference: string }[]
      signature: { data: string }[]
    }
    expect(prov.target[0]!.reference).toBe(bundle.entry[0]!.fullUrl)
    expect(JSON.parse(atob(prov.signature[0]!.data)).signature).toBe(provenance.signature)
  })

  it('detects a tampered provenance: another signer, another author, or a changed field', async () => {
    const { vault } = await newVault()
    const byOther = await signed(asthma, otherDoctor)
    expect(await provenanceSignatureHolds(asthma, byOther)).toBe(false)
    const good = await signed(asthma)
    expect(await provenanceSignatureHolds(asthma, good)).toBe(true)
    expect(await provenanceSignatureHolds(asthma, { ...good, grantId: '5' })).toBe(false)
    expect(await provenanceSignatureHolds(asthma, { ...good, consent: '0x0000000000000000000000000000000000000001' })).toBe(false)
    // The signature binds content, not key order: the same resource with its keys reordered still verifies.
    const reordered = Object.fromEntries(Object.entries(asthma).reverse()) as FhirResource
    expect(await provenanceSignatureHolds(reordered, good)).toBe(true)
    expect(await provenanceSignatureHolds(asthma, { ...good, signedAt: good.signedAt + 1 })).toBe(false)
    expect(await provenanceSignatureHolds(asthmaAmended, good)).toBe(false)
    expect(await provenanceSignatureHolds(asthma, { ...good, signature: '0x1234' })).toBe(false)

    const added = await vault.addRecord({ resource: asthma, source: 'form', provenance: { ...good, author: otherDoctor.address } })
    await vault.anchorPending()
    const result = await vault.verifyRecord(added.cid)
    expect(result.ok).toBe(false)
    expect(result.checks.find((c) => c.label === "Provider's signature")).toMatchObject({ ok: false })
    // The rest of the record is fine: only the provenance check fails.
    expect(result.checks.filter((c) => !c.ok)).toHaveLength(1)
  })

  it('refuses a malformed provenance in an index entry or backup', () => {
    const entry = {
      v: 1,
      envelopeCid: 'x',
      scope: 'conditions',
      epoch: 0,
      summary: { cid: 'x', scope: 'conditions', resourceType: 'Condition', title: 't', created: 'c', searchText: 's', source: 'provider' },
    }
    expect(() => parseIndexEntry({ ...entry, summary: { ...entry.summary, provenance: { author: 'nobody' } } })).toThrowError(
      expect.objectContaining({ name: 'VaultIndexCorruptError' }),
    )
    expect(() => parseIndexEntry({ ...entry, summary: { ...entry.summary, status: { state: 'gone', at: 'a', by: 'patient' } } })).toThrowError(
      expect.objectContaining({ name: 'VaultIndexCorruptError' }),
    )
  })
})

describe('amend and withdraw', () => {
  it('the patient amends: the list shows the new version, the history both, and the anchored old version still verifies', async () => {
    const { vault } = await newVault()
    const first = await vault.addRecord({ resource: asthma, source: 'form' })
    await vault.anchorPending()
    const second = await vault.amendRecord({ cid: first.cid, resource: asthmaAmended, by: 'patient', reason: 'more precise' })
    expect(vault.list().map((s) => s.cid)).toEqual([second.cid])
    expect(second).toMatchObject({ versionOf: first.cid, replaces: first.cid })
    const history = vault.history(second.cid)
    expect(history.map((s) => s.cid)).toEqual([first.cid, second.cid])
    expect(history[0]!.status).toMatchObject({ state: 'superseded', by: 'patient', replacedBy: second.cid, reason: 'more precise' })
    expect(vault.history(first.cid)).toEqual(history)
    // The old version's anchor is untouched: its leaf still verifies against its batch.
    expect((await vault.verifyRecord(first.cid)).ok).toBe(true)
    expect(vault.pendingAnchors()).toBe(1)
    await vault.anchorPending()
    expect((await vault.verifyRecord(second.cid)).ok).toBe(true)
    expect(vault.history(first.cid)[0]!.anchor).toEqual(history[0]!.anchor)
    expect(history[0]!.anchor).toBeDefined()

    const third = await vault.amendRecord({ cid: second.cid, resource: asthma, by: 'patient' })
    expect(vault.history(first.cid).map((s) => s.cid)).toEqual([first.cid, second.cid, third.cid])
    expect(third.versionOf).toBe(first.cid)
    await expect(vault.amendRecord({ cid: first.cid, resource: asthma, by: 'patient' })).rejects.toMatchObject({ name: 'RecordNotCurrentError' })
  })

  it('withdraws: the record stays listed and in its history, marked, and still verifies; it cannot be changed again', async () => {
    const { vault } = await newVault()
    const first = await vault.addRecord({ resource: asthma, source: 'form' })
    await vault.anchorPending()
    const withdrawn = await vault.withdrawRecord({ cid: first.cid, by: 'patient', reason: 'entered in error' })
    expect(withdrawn.status).toMatchObject({ state: 'withdrawn', by: 'patient', reason: 'entered in error' })
    expect(vault.list()[0]!.status?.state).toBe('withdrawn')
    expect((await vault.verifyRecord(first.cid)).ok).toBe(true)
    expect(JSON.parse(await vault.exportAll()).entry).toEqual([])
    await expect(vault.withdrawRecord({ cid: first.cid, by: 'patient' })).rejects.toMatchObject({ name: 'RecordNotCurrentError' })
  })

  it('a provider amends or withdraws only what they signed; backup and restore keep the whole history', async () => {
    const { vault, anchorer } = await newVault()
    let first: RecordProvenance
    const mine = await vault.addRecord({ resource: buildNote({ title: 'Own note', text: 'x', date: '2024-01-01' }), source: 'form' })
    const theirs = await vault.addRecord({ resource: asthma, source: 'form', provenance: (first = await signed(asthma)) })
    await expect(vault.amendRecord({ cid: mine.cid, resource: asthma, by: doctor.address })).rejects.toMatchObject({ name: 'RecordChangeRefusedError' })
    await expect(vault.withdrawRecord({ cid: theirs.cid, by: otherDoctor.address })).rejects.toMatchObject({ name: 'RecordChangeRefusedError' })
    await expect(
      vault.amendRecord({ cid: theirs.cid, resource: buildNote({ title: 'n', text: 'y', date: '2024-01-01' }), by: doctor.address }),
    ).rejects.toMatchObject({ name: 'RecordChangeRefusedError' })
    expect(vault.list()).toHaveLength(2)

    expect(vault.findByItem(first!.itemId)?.cid).toBe(theirs.cid)
    const amended = await vault.amendRecord({
      cid: theirs.cid,
      resource: asthmaAmended,
      by: doctor.address,
      provenance: await signed(asthmaAmended, doctor, first!.itemId),
    })
    expect(vault.history(amended.cid)[0]!.status).toMatchObject({ state: 'superseded', by: doctor.address })
    await vault.anchorPending()

    const fresh = { blocks: memoryBlockAccess(), index: memoryRecordIndex() }
    await Vault.restore({ keys, ...fresh, archive: vault.backup() })
    const restored = await Vault.open({ keys, ...fresh, anchorer })
    expect(restored.history(amended.cid)).toEqual(vault.history(amended.cid))
    expect(restored.list().map((s) => s.cid).sort()).toEqual([mine.cid, amended.cid].sort())
    for (const s of restored.history(amended.cid)) expect((await restored.verifyRecord(s.cid)).ok).toBe(true)
  })
})
