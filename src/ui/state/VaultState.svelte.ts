import type { Vault } from '../../core/vault/Vault.ts'
import type { AddRecordParameters, RecordSummary } from '../../core/vault/types.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import { downloadBlob, fileChunks } from '../download.ts'
import { groupRecords } from './groupRecords.ts'
import { Progress } from './Progress.svelte.ts'
import { reportError } from './reportError.ts'
import { plural } from '../format.ts'
import { importFhirFile, importStageLabels, type ImportOutcome } from '../../flows/import/importFhirFile.ts'
import type { ImportPerson } from '../../flows/import/importPlan.ts'
import { planInWorker, type PlanFunction } from '../../flows/import/planInWorker.ts'
import { StorageFullError } from '../../core/vault/vaultErrors.ts'

/** Largest FHIR JSON file read for import; bigger files are refused before being read into memory. */
export const maxImportBytes = 25 * 1024 * 1024

export type ImportReport = ImportOutcome & { cancelled?: boolean }

/** The person chooser's question: which person in the file is the patient (key), none of them (''), or cancel (null). */
export type PersonChoice = { fileName: string; people: readonly ImportPerson[]; answer(key: string | null): void }

export type NewAttachment = { file: File }

/** The vault page's list, search, adding and importing. Record views, anchoring and backups have their own state. */
export class VaultState {
  readonly vault: Vault
  /** Every record, newest first; replaced (never mutated) so Svelte sees each change. */
  records = $state.raw<readonly RecordSummary[]>([])
  query = $state('')
  visible = $derived.by(() => {
    // Reading `records` first makes a search re-run whenever the vault changes.
    const all = this.records
    return this.query.trim() ? this.vault.search(this.query) : all
  })
  groups = $derived(groupRecords(this.visible))
  progress = new Progress()
  busy = $state(false)
  status = $state('')
  error = $state('')
  imports = $state.raw<ImportReport[]>([])
  /** Set while an import runs; cancelImport() aborts it. */
  importing = $state.raw<AbortController | undefined>(undefined)
  /** Set while the import waits for the patient to say who they are in the file. */
  choosing = $state.raw<PersonChoice | undefined>(undefined)
  /** Reads and checks import files: in a Web Worker in the browser, inline where there is none (unit tests). */
  plan: PlanFunction =
    typeof Worker === 'function' ? planInWorker() : (input, p) => import('../../flows/import/importPlan.ts').then((m) => m.planFhirImport(input, p))
  /** Called after records are added (anchoring schedules itself from this). */
  onAdded: () => void = () => {}

  constructor(vault: Vault) {
    this.vault = vault
    this.refresh()
  }

  refresh(): void {
    this.records = this.vault.list()
  }

  /** Seals a record typed in a form; attachments stream from the file, a chunk at a time. */
  async addRecord(resource: FhirResource, attachment?: NewAttachment): Promise<RecordSummary | undefined> {
    this.error = ''
    this.status = ''
    this.busy = true
    const file = attachment?.file
    this.progress.begin(file ? `Encrypting ${file.name}` : 'Encrypting the record', file?.size ?? 0)
    try {
      const parameters: AddRecordParameters = { resource, source: 'form', onProgress: this.progress.update }
      if (file)
        parameters.attachment = {
          name: file.name,
          contentType: file.type || 'application/octet-stream',
          size: file.size,
          source: fileChunks(file),
        }
      const summary = await this.vault.addRecord(parameters)
      this.refresh()
      this.status = `Saved “${summary.title}”.`
      this.onAdded()
      return summary
    } catch (error) {
      this.error = reportError(error, 'saving a record')
      return undefined
    } finally {
      this.busy = false
      this.progress.end()
    }
  }

  /**
   * Imports files one by one through the import flow (src/flows/import): read and checked
   * in a worker, the patient says who they are in the file, duplicates skipped, then one
   * commit per file. `cancelImport()` stops it; the file being imported then adds nothing.
   */
  async importFiles(files: readonly File[]): Promise<void> {
    if (files.length === 0) return
    this.error = ''
    this.status = ''
    this.busy = true
    this.importing = new AbortController()
    const signal = this.importing.signal
    const reports: ImportReport[] = []
    try {
      for (const file of files) {
        if (signal.aborted) break
        this.progress.begin(`Importing ${file.name}: ${importStageLabels.reading}`)
        reports.push(await this.importFile(file, signal))
      }
      const added = reports.reduce((sum, report) => sum + report.added.length, 0)
      const notImported = reports.reduce((sum, report) => sum + report.rejected.length, 0)
      const cancelled = signal.aborted
      this.status = cancelled
        ? `Import cancelled: the file being imported added nothing${added ? `; ${plural(added, 'record')} from earlier files were imported` : ''}.`
        : added === 0
          ? `Nothing was imported${notImported ? `; ${notImported.toLocaleString('en')} not imported (see below)` : ''}.`
          : `Imported ${plural(added, 'record')}` + (notImported ? `; ${notImported.toLocaleString('en')} not imported (see below).` : '.')
      if (added > 0) this.onAdded()
    } finally {
      this.imports = reports
      this.importing = undefined
      this.choosing = undefined
      this.refresh()
      this.busy = false
      this.progress.end()
    }
  }

  /** Stops the running import; the file in progress adds nothing. */
  cancelImport(): void {
    this.importing?.abort(new DOMException('The import was cancelled.', 'AbortError'))
    this.choosing?.answer(null)
  }

  private async importFile(file: File, signal: AbortSignal): Promise<ImportReport> {
    const fileName = file.name
    const empty: ImportOutcome = { fileName, added: [], rejected: [], setAside: [], duplicates: 0, context: 0, people: [] }
    if (file.size > maxImportBytes)
      return { ...empty, rejected: [{ item: fileName, reason: `The file is larger than ${maxImportBytes / 1024 / 1024} MB. Split it into smaller files.` }] }
    try {
      const input = new Uint8Array(await file.arrayBuffer())
      return await importFhirFile({
        vault: this.vault,
        fileName,
        input,
        plan: this.plan,
        signal,
        choosePerson: (people) =>
          new Promise((resolve, reject) => {
            this.choosing = {
              fileName,
              people,
              answer: (key) => {
                this.choosing = undefined
                if (key === null) reject(signal.reason ?? new DOMException('The import was cancelled.', 'AbortError'))
                else resolve(key === '' ? undefined : key)
              },
            }
          }),
        onProgress: ({ stage, done, total }) => {
          this.progress.label = `Importing ${fileName}: ${importStageLabels[stage]}`
          this.progress.update(done, total)
        },
      })
    } catch (error) {
      if (signal.aborted) return { ...empty, cancelled: true }
      if (error instanceof StorageFullError) this.error = error.shortMessage
      return { ...empty, rejected: [{ item: fileName, reason: reportError(error, `importing ${fileName}`) }] }
    }
  }

  /** Another tab of the account changed the vault: read the index again. */
  async reloadFromStore(): Promise<void> {
    try {
      if (await this.vault.reload()) this.refresh()
    } catch (error) {
      console.warn('Salus: could not re-read the vault index', error)
    }
  }

  dismissImports(): void {
    this.imports = []
  }

  async exportAll(): Promise<void> {
    this.error = ''
    this.busy = true
    this.progress.begin('Preparing the export')
    try {
      const json = await this.vault.exportAll()
      const day = new Date().toISOString().slice(0, 10)
      downloadBlob(new Blob([json], { type: 'application/fhir+json' }), `salus-records-${day}.json`)
      this.status = `Exported ${this.records.length} record${this.records.length === 1 ? '' : 's'} as a FHIR Bundle.`
    } catch (error) {
      this.error = reportError(error, 'exporting the vault')
    } finally {
      this.busy = false
      this.progress.end()
    }
  }
}
