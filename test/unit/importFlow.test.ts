// The import flow without Svelte or a worker: person chooser, set-aside, duplicates, cancel.
import { describe, expect, it } from 'vitest'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { importFhirFile, outcomeSentence, type ImportProgress } from '../../src/flows/import/importFhirFile.ts'
import { groupRejections, planFhirImport } from '../../src/flows/import/importPlan.ts'
import { syntheaLikeBundle } from '../support/syntheaLike.ts'

const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (i * 11 + 1) & 255)))
const newVault = async () => {
  const index = memoryRecordIndex()
  return { index, vault: await Vault.open({ keys, blocks: memoryBlockAccess(), index }) }
}
const text = (value: unknown) => JSON.stringify(value)

describe('importFhirFile', () => {
  it('keeps only the chosen person, lists the others, and never doubles a record imported twice', async () => {
    const { vault } = await newVault()
    const file = text(syntheaLikeBundle({ patients: 3, recordsPerPatient: 8 }))
    const asked: string[][] = []
    const choose = async (people: readonly { key: string; name: string }[]) => {
      asked.push(people.map((p) => p.name))
      return people[1]!.key
    }
    const stages = new Set<string>()
    const first = await importFhirFile({ vault, fileName: 'three.json', input: file, plan: planFhirImport, choosePerson: choose, onProgress: (p: ImportProgress) => stages.add(p.stage) })
    expect(asked[0]).toEqual(['Ana Lopez', 'Ben Okafor', 'Chen Wei'])
    // Ben's own Patient resource is one of his records.
    expect(first.added).toHaveLength(9)
    expect(first.chosen?.name).toBe('Ben Okafor')
    expect(first.setAside).toHaveLength(18)
    expect(new Set(first.setAside.map((s) => s.person))).toEqual(new Set(['Ana Lopez', 'Chen Wei']))
    expect(vault.list()).toHaveLength(9)
    expect([...stages]).toEqual(expect.arrayContaining(['reading', 'choosing', 'comparing', 'encrypting', 'saving']))
    expect(outcomeSentence(first)).toMatch(/Imported 9 records.*18 records are about other people/)

    const again = await importFhirFile({ vault, fileName: 'three.json', input: file, plan: planFhirImport, choosePerson: choose })
    expect(again.added).toHaveLength(0)
    expect(again.duplicates).toBe(9)
    expect(vault.list()).toHaveLength(9)
    expect(outcomeSentence(again)).toMatch(/^Nothing was imported from three\.json\. 9 records were already in your vault/)
  })

  it('cancelled while the patient chooses, or while encrypting: the vault and its store are unchanged', async () => {
    const { vault, index } = await newVault()
    const file = text(syntheaLikeBundle({ patients: 1, recordsPerPatient: 60 }))
    const before = await index.loadAll()
    const controller = new AbortController()
    await expect(
      importFhirFile({
        vault,
        fileName: 'one.json',
        input: file,
        plan: planFhirImport,
        signal: controller.signal,
        choosePerson: async (people) => people[0]!.key,
        onProgress: ({ stage, done }) => {
          if (stage === 'encrypting' && done === 30) controller.abort(new DOMException('cancelled', 'AbortError'))
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' })
    expect(vault.list()).toHaveLength(0)
    expect(await index.loadAll()).toEqual(before)
  })

  it('an unreadable file stores nothing and says so plainly', async () => {
    const { vault } = await newVault()
    const outcome = await importFhirFile({ vault, fileName: 'bad.json', input: '{ "resourceType": "Bund', plan: planFhirImport, choosePerson: async () => undefined })
    expect(outcome.added).toHaveLength(0)
    expect(outcome.rejected).toHaveLength(1)
    expect(outcomeSentence(outcome)).toMatch(/^Nothing was imported from bad\.json\. 1 item could not be imported/)
  })
})

describe('groupRejections', () => {
  it('groups by reason, largest first, with the first few items', () => {
    const items = [
      ...Array.from({ length: 1745 }, (_, i) => ({ item: `entry ${i}`, reason: 'Unknown resource type' })),
      { item: 'entry x', reason: 'Not JSON' },
    ]
    expect(groupRejections(items, { examples: 2 })).toEqual([
      { reason: 'Unknown resource type', count: 1745, examples: ['entry 0', 'entry 1'] },
      { reason: 'Not JSON', count: 1, examples: ['entry x'] },
    ])
  })
})
