import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import type { Hex } from 'viem'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { buildAllergy, buildCondition, buildImmunization, buildLabResult, buildMedication, buildNote } from '../../src/core/fhir/recordForms.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { recordBlocks } from '../../src/core/vault/recordBlocks.ts'
import { exportableResource, maxInlineAttachmentBytes } from '../../src/core/vault/exportableResource.ts'
import { chooseRecords } from '../../src/core/fhir/import/chooseRecords.ts'
import { planFhirImport } from '../../src/core/fhir/import/planFhirImport.ts'
import { importFhirFile } from '../../src/flows/import/importFhirFile.ts'
import type { Anchorer, RecordIndexStore } from '../../src/core/vault/types.ts'

import { fhirFixtures } from '../support/fixtures.ts'
const fixtures = fhirFixtures
const fixture = (name: string) => readFileSync(`${fixtures}/${name}`, 'utf8')
const keysFrom = (seed: number) => deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (seed * 7 + i) & 255)))
const keys = keysFrom(1)

function fakeAnchorer(): Anchorer & { batches: Map<string, { root: Hex; timestamp: number }> } {
  const batches = new Map<string, { root: Hex; timestamp: number }>()
  return {
    chainId: 31337,
    contract: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    batches,
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

const allergy = JSON.parse(fixture('AllergyIntolerance-extracted-from-ips-bundle-01.json'))
const medication = JSON.parse(fixture('MedicationRequest-eumfh-39-07-1-request.json'))
const condition = buildCondition({ name: 'Asthma', onset: '2015-03-02' })
const lab = buildLabResult({ test: 'Glucose', value: 95, unit: 'mg/dL', date: '2024-05-01', referenceLow: 70, referenceHigh: 99 })
const immunization = buildImmunization({ vaccine: 'Tetanus booster', date: '2020-09-10' })
const formAllergy = buildAllergy({ substance: 'Penicillin', reaction: 'Hives', severity: 'moderate', onset: '2010' })
const formMedication = buildMedication({ name: 'Salbutamol', dose: '100 µg', frequency: 'as needed', start: '2016-01-01' })
const note = buildNote({
  title: 'Discharge letter',
  text: 'Home after two days.',
  date: '2023-11-02',
  attachment: { contentType: 'application/pdf', size: 300_000, title: 'discharge.pdf' },
}) as FhirResource & { content: { attachment: Record<string, unknown> }[] }
const pdf = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 13) & 255)

async function* chunks(bytes: Uint8Array, size = 64 * 1024) {
  for (let i = 0; i < bytes.byteLength; i += size) yield bytes.subarray(i, i + size)
}

async function newVault(p: { index?: RecordIndexStore; anchorer?: Anchorer } = {}) {
  const blocks = memoryBlockAccess()
  const index = p.index ?? memoryRecordIndex()
  let tick = 0
  const now = () => new Date(Date.UTC(2025, 0, 1, 0, 0, tick++))
  const vault = await Vault.open({ keys, blocks, index, anchorer: p.anchorer ?? fakeAnchorer(), now })
  return { vault, blocks, index }
}

async function addEachKind(vault: Vault) {
  for (const resource of [allergy, medication, formAllergy, formMedication, condition, lab, immunization]) await vault.addRecord({ resource, source: 'form' })
  return vault.addRecord({
    resource: note,
    source: 'form',
    attachment: { name: 'discharge.pdf', contentType: 'application/pdf', size: pdf.byteLength, source: chunks(pdf) },
  })
}

async function bytesOf(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of source) parts.push(p)
  return Uint8Array.from(parts.flatMap((p) => [...p]))
}

describe('Vault', () => {
  it('adds each kind of record, lists newest clinical date first and searches by every word', async () => {
    const { vault, index } = await newVault()
    const noteSummary = await addEachKind(vault)
    const list = vault.list()
    expect(list).toHaveLength(8)
    expect(new Set(list.map((s) => s.scope))).toEqual(new Set(['allergies', 'prescriptions', 'medications', 'conditions', 'labs', 'immunizations', 'notes']))
    const dated = list.filter((s) => s.date).map((s) => s.date!)
    expect(dated).toEqual([...dated].sort().reverse())
    expect(noteSummary.attachment).toEqual({ name: 'discharge.pdf', contentType: 'application/pdf', size: pdf.byteLength })
    expect(vault.search('GLUCOSE').map((s) => s.resourceType)).toEqual(['Observation'])
    expect(vault.search('glucose tetanus')).toEqual([])
    expect(vault.search('')).toHaveLength(8)
    expect(vault.list()).toBe(vault.list())

    // The index on disk is sealed: no plaintext title, and it reopens to the same list.
    const rows = await index.loadAll()
    expect(rows.some((r) => Buffer.from(r).includes('Glucose'))).toBe(false)
    const reopened = await Vault.open({ keys, blocks: memoryBlockAccess(), index })
    expect(reopened.list()).toEqual(list)
    await expect(Vault.open({ keys: keysFrom(2), blocks: memoryBlockAccess(), index })).rejects.toMatchObject({ name: 'VaultIndexCorruptError' })

    const opened = await vault.openRecord(noteSummary.cid)
    expect(opened.resource.resourceType).toBe('DocumentReference')
    expect(Buffer.from(await bytesOf(opened.attachment!.read())).equals(Buffer.from(pdf))).toBe(true)
  })

  it('imports every record of an IPS bundle with progress, and a bad file changes nothing', async () => {
    const { vault } = await newVault()
    const plan = await planFhirImport(fixture('ips-bundle-01.json'), { fileName: 'ips-bundle-01.json' })
    expect(plan.rejected).toEqual([])
    const { toStore } = chooseRecords(plan, { personKey: plan.people[0]?.key, existingFingerprints: new Set() })
    expect(toStore).toHaveLength(plan.records.length)
    const progress: number[] = []
    const added = await vault.importRecords({ records: toStore, onProgress: (done) => progress.push(done) })
    expect(added).toHaveLength(toStore.length)
    expect(vault.list()).toHaveLength(toStore.length)
    expect(progress).toEqual(Array.from({ length: toStore.length + 1 }, (_, i) => i))
    expect(added.every((s) => s.source === 'import')).toBe(true)

    const before = vault.list()
    const bad = await importFhirFile({ vault, fileName: 'broken.json', input: '{"resourceType": "Bundle", "type": "collection", "entry": [', plan: planFhirImport, choosePerson: async () => undefined })
    expect(bad.added).toEqual([])
    expect(bad.rejected).toEqual([{ item: 'broken.json', reason: expect.stringMatching(/not valid JSON/) }])
    expect(vault.list()).toBe(before)
  })

  it('an index write failure during import adds nothing', async () => {
    const inner = memoryRecordIndex()
    let fail = false
    const index: RecordIndexStore = {
      ...inner,
      putMany: (rows) => (fail ? Promise.reject(new Error('disk full')) : inner.putMany(rows)),
      update: (change) => (fail ? Promise.reject(new Error('disk full')) : inner.update!(change)),
    }
    const { vault } = await newVault({ index })
    await vault.addRecord({ resource: condition, source: 'form' })
    fail = true
    const { records } = await planFhirImport(fixture('ips-bundle-minimal.json'), { fileName: 'ips.json' })
    expect(records.length).toBeGreaterThan(0)
    await expect(vault.importRecords({ records })).rejects.toMatchObject({ name: 'ImportFailedError' })
    expect(vault.list()).toHaveLength(1)
    expect(await inner.loadAll()).toHaveLength(1)
  })

  it('keeps every record when adds and anchoring overlap', async () => {
    const anchorer = fakeAnchorer()
    const { vault, index } = await newVault({ anchorer })
    await vault.addRecord({ resource: condition, source: 'form' })
    const [, , a1, a2] = await Promise.all([
      vault.addRecord({ resource: lab, source: 'form' }),
      vault.addRecord({ resource: immunization, source: 'form' }),
      vault.anchorPending(),
      vault.anchorPending(),
    ])
    expect(a2).toBe(a1)
    expect(anchorer.batches.size).toBe(1)
    const reopened = await Vault.open({ keys, blocks: memoryBlockAccess(), index })
    expect(reopened.list()).toEqual(vault.list())
    expect(reopened.list()).toHaveLength(3)
  })

  it('exports records that validate again, with the note attachment inlined', async () => {
    const { vault } = await newVault()
    const noteSummary = await addEachKind(vault)
    const exported = JSON.parse(await vault.exportRecord(noteSummary.cid))
    expect(validateResource(exported).resourceType).toBe('DocumentReference')
    expect(Buffer.from(exported.content[0].attachment.data, 'base64').equals(Buffer.from(pdf))).toBe(true)
    expect(exported.content[0].attachment).not.toHaveProperty('url')
    expect(exported.content[1].attachment.contentType).toMatch(/^text\/plain/)
    const bundle = JSON.parse(await vault.exportAll())
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' })
    expect(bundle.entry).toHaveLength(8)
    validateResource(bundle)
    const labSummary = vault.search('glucose')[0]!
    expect(JSON.parse(await vault.exportRecord(labSummary.cid))).toEqual(lab)
  })

  it('leaves an attachment over 20 MB as a reference without reading it', async () => {
    const huge = {
      name: 'scan.dcm',
      contentType: 'application/dicom',
      size: maxInlineAttachmentBytes + 1,
      read(): AsyncIterable<Uint8Array> {
        throw new Error('must not be read')
      },
    }
    expect(await exportableResource(note, huge)).toBe(note)
    const small = { ...huge, size: 3, read: () => chunks(new Uint8Array([1, 2, 3])) }
    const inlined = (await exportableResource(note, small)) as typeof note
    expect(inlined.content[0]!.attachment).toMatchObject({ data: 'AQID', contentType: 'application/pdf', title: 'discharge.pdf', size: 300_000 })
    expect(note.content[0]!.attachment).not.toHaveProperty('data')
  })

  it('anchors all pending records in one batch and verifies them; a flipped byte is reported as tampering', async () => {
    const anchorer = fakeAnchorer()
    const { vault, blocks } = await newVault({ anchorer })
    const noteSummary = await addEachKind(vault)
    expect(vault.pendingAnchors()).toBe(8)
    const unanchored = await vault.verifyRecord(noteSummary.cid)
    expect(unanchored.ok).toBe(false)
    expect(unanchored.checks.filter((c) => !c.ok).map((c) => c.label)).toEqual(['Anchored on chain'])

    const anchor = await vault.anchorPending()
    expect(anchor?.batchId).toBe('1')
    expect(anchorer.batches.size).toBe(1)
    expect(vault.pendingAnchors()).toBe(0)
    expect(new Set(vault.list().map((s) => s.anchor?.root))).toEqual(new Set([anchor!.root]))
    expect(await vault.anchorPending()).toBeUndefined()
    for (const s of vault.list()) expect((await vault.verifyRecord(s.cid)).ok).toBe(true)

    // Flip one byte in one block of the note (its attachment chunk or body).
    const cids: CID[] = []
    for await (const b of recordBlocks(blocks, CID.parse(noteSummary.cid))) cids.push(b.cid)
    const victim = cids.at(-1)!
    const stored = await blocks.get(victim)
    const altered = stored.slice()
    altered[10]! ^= 1
    await blocks.blockstore.put(victim, altered)
    const result = await vault.verifyRecord(noteSummary.cid)
    expect(result.ok).toBe(false)
    const storage = result.checks.find((c) => c.label === 'Stored data unaltered')!
    expect(storage.ok).toBe(false)
    expect(storage.detail).toMatch(/altered or corrupted/)

    // A root that differs on chain fails the chain check.
    anchorer.batches.set('1', { root: `0x${'11'.repeat(32)}`, timestamp: 1 })
    const lab = vault.search('glucose')[0]!
    const chain = (await vault.verifyRecord(lab.cid)).checks.find((c) => c.label === 'Root recorded on chain')!
    expect(chain.ok).toBe(false)
  })

  it('backs up and restores into fresh stores; other keys and damaged archives restore nothing', async () => {
    const anchorer = fakeAnchorer()
    const { vault } = await newVault({ anchorer })
    await addEachKind(vault)
    await vault.importRecords({ records: (await planFhirImport(fixture('ips-bundle-minimal.json'), { fileName: 'ips.json' })).records })
    await vault.anchorPending()
    const archive = await bytesOf(vault.backup())
    expect(archive.byteLength).toBeGreaterThan(pdf.byteLength)

    const fresh = { blocks: memoryBlockAccess(), index: memoryRecordIndex() }
    expect(await Vault.restore({ keys, ...fresh, archive: chunks(archive, 10_000) })).toEqual({ restored: vault.list().length })
    const restored = await Vault.open({ keys, ...fresh, anchorer })
    expect(restored.list()).toEqual(vault.list())
    for (const s of restored.list()) expect((await restored.verifyRecord(s.cid)).ok).toBe(true)

    const other = { blocks: memoryBlockAccess(), index: memoryRecordIndex() }
    await expect(Vault.restore({ keys: keysFrom(3), ...other, archive })).rejects.toMatchObject({ name: 'BackupArchiveError' })
    expect(other.index.size).toBe(0)
    const damaged = archive.slice()
    damaged[Math.floor(archive.byteLength / 2)]! ^= 0x40
    await expect(Vault.restore({ keys, ...other, archive: damaged })).rejects.toMatchObject({ name: 'BackupArchiveError' })
    expect(other.index.size).toBe(0)
  })
})
