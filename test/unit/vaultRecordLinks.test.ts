import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { relatedRecords } from '../../src/core/vault/relatedRecords.ts'

const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (i * 5 + 3) & 255)))
const bundle = JSON.parse(readFileSync(new URL('../fixtures/fhir/read/synthea-excerpt-lindsay.json', import.meta.url), 'utf8')) as { entry: { resource: FhirResource }[] }
const resource = (type: string, index = 0) => bundle.entry.map((entry) => entry.resource).filter((item) => item.resourceType === type)[index]!

describe('record links in the index', () => {
  it('keeps each record\'s Type/id and what it points to, across a reopen, and links an encounter both ways', async () => {
    const index = memoryRecordIndex()
    const blocks = memoryBlockAccess()
    const vault = await Vault.open({ keys, blocks, index })
    const encounter = await vault.addRecord({ resource: resource('Encounter'), source: 'import' })
    const condition = await vault.addRecord({ resource: resource('Condition'), source: 'import' })
    const claim = await vault.addRecord({ resource: resource('Claim'), source: 'import' })
    const otherVisit = await vault.addRecord({ resource: resource('Encounter', 1), source: 'import' })
    expect(encounter.fhirRef).toBe('Encounter/3699e7e7-8b1b-4a68-8011-e7a166598566')
    expect(encounter.refs).toBeUndefined()
    expect(condition.refs).toEqual(['urn:uuid:3699e7e7-8b1b-4a68-8011-e7a166598566'])
    expect(claim.refs).toEqual(['urn:uuid:9a01d04d-86de-75e6-5c07-a4ba74966e68', 'urn:uuid:3699e7e7-8b1b-4a68-8011-e7a166598566'])

    const reopened = await Vault.open({ keys, blocks, index })
    const records = reopened.list()
    const find = (cid: string) => records.find((record) => record.cid === cid)!
    expect(find(condition.cid)).toMatchObject({ fhirRef: condition.fhirRef, refs: condition.refs })

    const visit = relatedRecords(find(encounter.cid), records)
    expect(visit.pointsTo).toEqual([])
    expect(visit.pointedFrom.map((record) => record.cid).sort()).toEqual([condition.cid, claim.cid].sort())
    const diagnosis = relatedRecords(find(condition.cid), records)
    expect(diagnosis.pointsTo.map((record) => record.cid)).toEqual([encounter.cid])
    expect(diagnosis.pointedFrom.map((record) => record.cid)).toEqual([claim.cid])
    expect(relatedRecords(find(otherVisit.cid), records)).toEqual({ pointsTo: [], pointedFrom: [] })
  })
})
