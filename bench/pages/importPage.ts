// Page code of bench/import.bench.ts: real modules built by the app's Vite and run in
// Chromium, with Chromium's own IndexedDB and the import Web Worker, as the app runs them.
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { VaultIndex } from '../../src/core/vault/vaultIndex.ts'
import type { IndexEntry } from '../../src/core/vault/indexEntry.ts'
import { buildSearchText } from '../../src/core/vault/searchText.ts'
import { describeResource, searchText } from '../../src/core/fhir/describeResource.ts'
import { scopeOfResource } from '../../src/core/fhir/scopeOfResource.ts'
import { scopeLabels } from '../../src/core/scopes.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { importFhirFile } from '../../src/flows/import/importFhirFile.ts'
import { planInWorker } from '../../src/flows/import/planInWorker.ts'
import { openAccountStores } from '../../src/store/openAccountStores.ts'

const keys = () => deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : (i * 3 + 1) & 255)))
const account = (n: number) => `0x${(Date.now() * 1000 + n).toString(16).padStart(40, '0').slice(-40)}`

/** One Synthea patient Bundle imported `runs` times, each into a fresh account's IndexedDB: times in ms and records stored. */
export async function measureImport({ text, runs }: { text: string; runs: number }): Promise<{ times: number[]; records: number }> {
  const times: number[] = []
  let records = 0
  for (let run = 0; run < runs; run++) {
    const stores = await openAccountStores(account(run))
    try {
      const vault = await Vault.open({ keys: keys(), blocks: stores.blocks, index: stores.index })
      const started = performance.now()
      const outcome = await importFhirFile({
        vault,
        fileName: 'synthea.json',
        input: new TextEncoder().encode(text),
        plan: planInWorker(),
        choosePerson: async (people) => people[0]!.key,
      })
      times.push(performance.now() - started)
      records = outcome.added.length
    } finally {
      await stores.close()
    }
  }
  return { times, records }
}

/**
 * The vault list and search over `count` records in Chromium's IndexedDB: the index is
 * written once from real resources' summaries (what Vault.seal stores), then opened,
 * decrypted, listed and searched `rounds` times. Times in ms.
 */
export async function measureListSearch({ resources, count, rounds }: { resources: FhirResource[]; count: number; rounds: number }): Promise<{ times: number[]; hits: number[] }> {
  const k = keys()
  const who = account(99)
  const setup = await openAccountStores(who)
  const entries: IndexEntry[] = []
  for (let i = 0; i < count; i++) {
    const resource = resources[i % resources.length]!
    const view = describeResource(resource)
    const scope = scopeOfResource(resource)
    const cid = `bafyreib${i.toString(36).padStart(50, '0')}`
    entries.push({
      v: 1,
      envelopeCid: cid,
      scope,
      epoch: 0,
      summary: {
        cid,
        scope,
        resourceType: resource.resourceType,
        title: view.title,
        ...(view.date ? { date: view.date } : {}),
        created: '2026-01-01T00:00:00.000Z',
        source: 'import',
        searchText: buildSearchText([searchText(resource), resource.resourceType, scopeLabels[scope]]),
        fingerprint: i.toString(16).padStart(32, '0'),
      },
    })
  }
  await (await VaultIndex.load(k.vaultKey, setup.index)).put(entries)
  await setup.close()
  const times: number[] = []
  let hits: number[] = []
  for (let round = 0; round < rounds; round++) {
    const stores = await openAccountStores(who)
    const started = performance.now()
    const vault = await Vault.open({ keys: k, blocks: stores.blocks, index: stores.index })
    const list = vault.list()
    hits = [vault.search('sinusitis').length, vault.search('body height 2001').length, vault.search('influenza vaccine').length]
    times.push(performance.now() - started)
    await stores.close()
    if (list.length !== count) throw new Error(`listed ${list.length} of ${count}`)
  }
  return { times, hits }
}
