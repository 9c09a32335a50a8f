// Importing one file into the vault, as a plain async function (no Svelte): read and check it
// (in a worker when `plan` is planInWorker()), let the patient say which person in it they are,
// skip what the vault already has, then encrypt and store everything in one commit.
// Cancelling (signal) at any stage leaves the vault exactly as it was.
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { ImportRecordsParameters, RecordSummary } from '../../core/vault/types.ts'
import { chooseRecords, recordFingerprint, type ImportPerson, type ImportPlan, type RejectedItem, type SetAsideItem } from './importPlan.ts'
import type { PlanFunction } from './planInWorker.ts'

export type ImportStage = 'reading' | 'checking' | 'choosing' | 'comparing' | 'encrypting' | 'saving'

export const importStageLabels: Record<ImportStage, string> = {
  reading: 'Reading the file',
  checking: 'Checking the records',
  choosing: 'Waiting for you to choose who you are in the file',
  comparing: 'Comparing with your vault',
  encrypting: 'Encrypting the records',
  saving: 'Saving',
}

export type ImportProgress = { stage: ImportStage; done: number; total: number }

/** What the import flow needs of a Vault. */
export type ImportingVault = {
  importRecords(p: ImportRecordsParameters): Promise<RecordSummary[]>
  fingerprints(p: { fingerprint(resource: FhirResource): string; signal?: AbortSignal }): Promise<Set<string>>
}

export type ImportOutcome = {
  fileName: string
  added: RecordSummary[]
  /** Not valid or not importable, with a reason. */
  rejected: RejectedItem[]
  /** About other people in the file: never stored. */
  setAside: SetAsideItem[]
  /** Already in the vault (same fingerprint): skipped. */
  duplicates: number
  /** Practitioners, organizations… kept as context of the records, not stored as records. */
  context: number
  people: ImportPerson[]
  /** The person the patient said they are (undefined: the file names nobody, or "none of these"). */
  chosen?: ImportPerson
  verification?: ImportPlan['verification']
}

export type ImportFhirFileParameters = {
  vault: ImportingVault
  fileName: string
  input: string | Uint8Array
  plan: PlanFunction
  /**
   * Asked when the file names one or more people: the key of the person who is the
   * patient, or undefined for "none of these" (then only records about no one are kept).
   * Not asked when the file names nobody.
   */
  choosePerson(people: readonly ImportPerson[], plan: ImportPlan): Promise<string | undefined>
  onProgress?(progress: ImportProgress): void
  signal?: AbortSignal
}

export async function importFhirFile(p: ImportFhirFileParameters): Promise<ImportOutcome> {
  const signal = p.signal
  const report = (stage: ImportStage, done = 0, total = 0) => p.onProgress?.({ stage, done, total })
  report('reading')
  signal?.throwIfAborted()
  const plan = await p.plan(p.input, {
    fileName: p.fileName,
    onProgress: (done, total) => report('checking', done, total),
    ...(signal ? { signal } : {}),
  })
  signal?.throwIfAborted()
  let personKey: string | undefined
  if (plan.people.length > 0) {
    report('choosing')
    personKey = await p.choosePerson(plan.people, plan)
    signal?.throwIfAborted()
  }
  report('comparing')
  const existing = await p.vault.fingerprints({ fingerprint: recordFingerprint, ...(signal ? { signal } : {}) })
  const { toStore, setAside, duplicates } = chooseRecords(plan, { personKey, existingFingerprints: existing })
  report('encrypting', 0, toStore.length)
  const added =
    toStore.length === 0
      ? []
      : await p.vault.importRecords({
          records: toStore,
          onProgress: (done, total) => report(done === total ? 'saving' : 'encrypting', done, total),
          ...(signal ? { signal } : {}),
        })
  const chosen = plan.people.find((person) => person.key === personKey)
  return {
    fileName: plan.fileName,
    added,
    rejected: plan.rejected,
    setAside,
    duplicates,
    context: plan.context,
    people: plan.people,
    ...(chosen ? { chosen } : {}),
    ...(plan.verification ? { verification: plan.verification } : {}),
  }
}

/** One plain sentence for an outcome; an import that added nothing is never told as a success. */
export function outcomeSentence(o: ImportOutcome): string {
  const n = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en')} ${count === 1 ? one : many}`
  const parts: string[] = []
  if (o.added.length > 0) parts.push(`Imported ${n(o.added.length, 'record')} from ${o.fileName}.`)
  else parts.push(`Nothing was imported from ${o.fileName}.`)
  if (o.duplicates > 0) parts.push(`${n(o.duplicates, 'record was', 'records were')} already in your vault and skipped.`)
  if (o.setAside.length > 0) parts.push(`${n(o.setAside.length, 'record is', 'records are')} about other people and were set aside (not stored).`)
  if (o.rejected.length > 0) parts.push(`${n(o.rejected.length, 'item', 'items')} could not be imported (reasons below).`)
  if (o.added.length === 0 && o.rejected.length === 0 && o.setAside.length === 0 && o.duplicates === 0) parts.push('The file held no records.')
  return parts.join(' ')
}
