import type { Vault } from '../../core/vault/Vault.ts'
import type { AddRecordParameters, RecordSummary } from '../../core/vault/types.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import { downloadBlob, fileChunks } from '../download.ts'
import { groupRecords } from './groupRecords.ts'
import { Progress } from './Progress.svelte.ts'
import { reportError } from './reportError.ts'

/** Largest FHIR JSON file read for import; bigger files are refused before being read into memory. */
export const maxImportBytes = 25 * 1024 * 1024

export type ImportReport = {
  fileName: string
  added: RecordSummary[]
  rejected: { item: string; reason: string }[]
}

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

  /** Imports FHIR JSON files one by one; a failed file leaves the vault as it was. */
  async importFiles(files: readonly File[]): Promise<void> {
    if (files.length === 0) return
    this.error = ''
    this.status = ''
    this.busy = true
    const reports: ImportReport[] = []
    try {
      for (const file of files) {
        this.progress.begin(`Importing ${file.name}`)
        reports.push(await this.importFile(file))
      }
      const added = reports.reduce((sum, report) => sum + report.added.length, 0)
      const rejected = reports.reduce((sum, report) => sum + report.rejected.length, 0)
      this.status = `Imported ${added} record${added === 1 ? '' : 's'}` + (rejected ? `; ${rejected} not imported (see below).` : '.')
      if (added > 0) this.onAdded()
    } finally {
      this.imports = reports
      this.refresh()
      this.busy = false
      this.progress.end()
    }
  }

  private async importFile(file: File): Promise<ImportReport> {
    const fileName = file.name
    if (file.size > maxImportBytes)
      return { fileName, added: [], rejected: [{ item: fileName, reason: `The file is larger than ${maxImportBytes / 1024 / 1024} MB. Split it into smaller files.` }] }
    try {
      const text = await file.text()
      const result = await this.vault.importFhir({ text, fileName, onProgress: this.progress.update })
      return { fileName, added: result.added, rejected: result.rejected }
    } catch (error) {
      return { fileName, added: [], rejected: [{ item: fileName, reason: reportError(error, `importing ${fileName}`) }] }
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
