import type { Vault } from '../../core/vault/Vault.ts'
import type { OpenedRecord, RecordSummary, VerifyResult } from '../../core/vault/types.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { RecordProvenance } from '../../core/vault/provenance.ts'
import type { ProvenanceVerdict } from '../../flows/inbox/verifyProvenance.ts'
import { blobFromChunks, downloadBlob, safeFileName } from '../download.ts'
import { relatedRecords, type RelatedRecords } from '../../core/vault/relatedRecords.ts'
import { attachmentBytes, resourceAttachments } from '../../core/fhir/resourceAttachments.ts'
import { Progress } from './Progress.svelte.ts'
import { reportError } from './reportError.ts'

/** Attachments up to this size are decrypted for an inline preview as soon as the record opens. */
const autoPreviewBytes = 25 * 1024 * 1024

export type RecordViewOptions = {
  /** Checks a provider's record on chain (flows/inbox/verifyProvenance); absent without a network. */
  checkProvenance?: (resource: FhirResource, provenance: RecordProvenance) => Promise<ProvenanceVerdict>
  /** After an amend or withdraw: the list refreshes and the new version is anchored with the next batch. */
  onChanged?: () => void
}

/** A file inside the record (a report's PDF, a scanned image): shown from a blob URL, or downloadable. */
export type EmbeddedFile = {
  name: string
  contentType: string
  kind: 'pdf' | 'image' | 'other'
  size: number
  /** Object URL of the decoded bytes; absent when the record only points to the file elsewhere. */
  url?: string
  /** Where the record says the file is, when it is not inside it (never fetched: that would tell the host). */
  elsewhere?: string
}

const noRelations: RelatedRecords = { pointsTo: [], pointedFrom: [] }

/** The record the patient has open: its decrypted view, attachment, verification, history, amend/withdraw and export. */
export class RecordViewState {
  readonly vault: Vault
  private readonly options: RecordViewOptions
  /** Every version of the open record, oldest first (one entry when it was never changed). */
  history = $state.raw<RecordSummary[]>([])
  /** For a provider's record: "recorded by Dr. …, verified" or why not. */
  provenance = $state.raw<ProvenanceVerdict | undefined>()
  provenanceError = $state('')
  /** 'amend' shows the editor, 'withdraw' the reason field. */
  changing = $state<'amend' | 'withdraw' | undefined>()
  draft = $state('')
  reason = $state('')
  saving = $state(false)
  changeError = $state('')
  status = $state('')
  cid = $state<string | undefined>()
  /** From the index, so title, anchor and Verify are there even when decrypting fails. */
  summary = $state.raw<RecordSummary | undefined>()
  opened = $state.raw<OpenedRecord | undefined>()
  loading = $state(false)
  error = $state('')
  verifying = $state(false)
  verification = $state.raw<VerifyResult | undefined>()
  verifyError = $state('')
  /** Object URL of the decrypted attachment (revoked when the record closes). */
  attachmentUrl = $state<string | undefined>()
  attachmentBlob: Blob | undefined
  attachmentProgress = new Progress()
  /** Files inside the FHIR resource itself (text ones are read in the details). */
  files = $state.raw<EmbeddedFile[]>([])
  /** Records linked to this one both ways, from the index: an encounter's diagnoses, results, prescriptions; a result's visit. */
  related = $derived.by(() => (this.summary ? relatedRecords(this.summary, this.vault.list()) : noRelations))

  constructor(vault: Vault, options: RecordViewOptions = {}) {
    this.vault = vault
    this.options = options
  }

  /** Current (or withdrawn) version: only it can be amended or withdrawn. */
  get isCurrent(): boolean {
    return this.summary !== undefined && this.summary.status === undefined
  }

  private find(cid: string): RecordSummary | undefined {
    try {
      return this.vault.history(cid).find((record) => record.cid === cid)
    } catch {
      return undefined
    }
  }

  get previewable(): 'image' | 'pdf' | undefined {
    const type = this.opened?.attachment?.contentType ?? ''
    if (type.startsWith('image/')) return 'image'
    if (type === 'application/pdf') return 'pdf'
    return undefined
  }

  async open(cid: string): Promise<void> {
    this.close()
    this.cid = cid
    this.summary = this.find(cid)
    this.history = this.summary ? this.vault.history(cid) : []
    this.loading = true
    try {
      const opened = await this.vault.openRecord(cid)
      if (this.cid !== cid) return
      this.opened = opened
      this.summary = opened.summary
      this.files = embeddedFiles(opened.resource, opened.view.title)
      if (opened.summary.provenance) void this.checkProvenance(cid, opened.resource, opened.summary.provenance)
      if (opened.attachment && this.previewable && opened.attachment.size <= autoPreviewBytes) void this.loadAttachment()
    } catch (error) {
      if (this.cid === cid) this.error = reportError(error, 'opening a record')
    } finally {
      if (this.cid === cid) this.loading = false
    }
  }

  /** The index changed (e.g. the record was just anchored): show the new summary without reopening. */
  refresh(): void {
    const cid = this.cid
    if (!cid) return
    const summary = this.find(cid)
    if (summary?.anchor !== this.summary?.anchor) this.verification = undefined
    this.summary = summary
    this.history = summary ? this.vault.history(cid) : []
  }

  private async checkProvenance(cid: string, resource: FhirResource, provenance: RecordProvenance): Promise<void> {
    if (!this.options.checkProvenance) return void (this.provenanceError = 'Not connected to the blockchain, so the doctor could not be checked.')
    try {
      const verdict = await this.options.checkProvenance(resource, provenance)
      if (this.cid === cid) this.provenance = verdict
    } catch (error) {
      if (this.cid === cid) this.provenanceError = reportError(error, "checking the doctor's signature")
    }
  }

  startAmend(): void {
    if (!this.opened || !this.isCurrent) return
    this.changing = 'amend'
    this.draft = JSON.stringify(this.opened.resource, null, 2)
    this.reason = ''
    this.changeError = ''
  }

  startWithdraw(): void {
    if (!this.isCurrent) return
    this.changing = 'withdraw'
    this.reason = ''
    this.changeError = ''
  }

  cancelChange(): void {
    this.changing = undefined
    this.changeError = ''
  }

  /** Saves the edited FHIR JSON as the record's new version; the old one stays in the history. */
  async amend(): Promise<void> {
    const cid = this.cid
    if (!cid || this.saving) return
    let resource: FhirResource
    try {
      resource = JSON.parse(this.draft) as FhirResource
    } catch {
      this.changeError = 'This is not valid JSON. Check the brackets and quotes, then save again.'
      return
    }
    this.saving = true
    this.changeError = ''
    try {
      const summary = await this.vault.amendRecord({ cid, resource, by: 'patient', ...(this.reason.trim() ? { reason: this.reason.trim() } : {}) })
      this.options.onChanged?.()
      await this.open(summary.cid)
      this.status = 'Saved as a new version. The earlier one stays in the history below.'
    } catch (error) {
      this.changeError = reportError(error, 'amending a record')
    } finally {
      this.saving = false
    }
  }

  async withdraw(): Promise<void> {
    const cid = this.cid
    if (!cid || this.saving) return
    this.saving = true
    this.changeError = ''
    try {
      await this.vault.withdrawRecord({ cid, by: 'patient', ...(this.reason.trim() ? { reason: this.reason.trim() } : {}) })
      this.options.onChanged?.()
      this.changing = undefined
      this.refresh()
      this.status = 'Withdrawn. It stays in your records and its history, marked withdrawn, and is no longer exported.'
    } catch (error) {
      this.changeError = reportError(error, 'withdrawing a record')
    } finally {
      this.saving = false
    }
  }

  close(): void {
    if (this.attachmentUrl) URL.revokeObjectURL(this.attachmentUrl)
    for (const file of this.files) if (file.url) URL.revokeObjectURL(file.url)
    this.files = []
    this.attachmentUrl = undefined
    this.attachmentBlob = undefined
    this.cid = undefined
    this.summary = undefined
    this.opened = undefined
    this.error = ''
    this.loading = false
    this.verification = undefined
    this.verifyError = ''
    this.verifying = false
    this.history = []
    this.provenance = undefined
    this.provenanceError = ''
    this.changing = undefined
    this.draft = ''
    this.reason = ''
    this.changeError = ''
    this.status = ''
  }

  /** Decrypts the attachment chunk by chunk into a Blob (kept for preview and download). */
  async loadAttachment(): Promise<Blob | undefined> {
    const attachment = this.opened?.attachment
    if (!attachment) return undefined
    if (this.attachmentBlob) return this.attachmentBlob
    const cid = this.cid
    this.attachmentProgress.begin(`Decrypting ${attachment.name}`, attachment.size)
    try {
      let done = 0
      const counted = async function* (chunks: AsyncIterable<Uint8Array>, progress: (done: number, total: number) => void) {
        for await (const chunk of chunks) {
          done += chunk.byteLength
          progress(done, attachment.size)
          yield chunk
        }
      }
      const blob = await blobFromChunks(counted(attachment.read(), this.attachmentProgress.update), attachment.contentType)
      if (this.cid !== cid) return undefined
      this.attachmentBlob = blob
      this.attachmentUrl = URL.createObjectURL(blob)
      return blob
    } catch (error) {
      if (this.cid === cid) this.error = reportError(error, 'opening the attachment')
      return undefined
    } finally {
      this.attachmentProgress.end()
    }
  }

  async downloadAttachment(): Promise<void> {
    const attachment = this.opened?.attachment
    const blob = await this.loadAttachment()
    if (attachment && blob) downloadBlob(blob, attachment.name)
  }

  async exportJson(): Promise<void> {
    const cid = this.cid
    if (!cid) return
    try {
      const json = await this.vault.exportRecord(cid)
      const title = this.opened?.view.title ?? this.summary?.title ?? 'record'
      downloadBlob(new Blob([json], { type: 'application/fhir+json' }), safeFileName(title, 'json'))
    } catch (error) {
      this.error = reportError(error, 'exporting a record')
    }
  }

  async verify(): Promise<void> {
    const cid = this.cid
    if (!cid) return
    this.verifying = true
    this.verification = undefined
    this.verifyError = ''
    try {
      const result = await this.vault.verifyRecord(cid)
      if (this.cid === cid) this.verification = result
    } catch (error) {
      if (this.cid === cid) this.verifyError = reportError(error, 'verifying a record')
    } finally {
      if (this.cid === cid) this.verifying = false
    }
  }
}

/** Decodes a record's inline files (not plain text, which the view already reads) into blob URLs. */
function embeddedFiles(resource: FhirResource, title: string): EmbeddedFile[] {
  return resourceAttachments(resource)
    .filter((attachment) => !(attachment.contentType.startsWith('text/plain') && attachment.data))
    .map((attachment, index) => {
      const contentType = attachment.contentType.split(';')[0]?.trim().toLowerCase() || 'application/octet-stream'
      const kind = contentType === 'application/pdf' ? 'pdf' : /^image\/(png|jpeg|gif|webp|bmp)$/.test(contentType) ? 'image' : 'other'
      const extension = contentType.split('/')[1]?.replace(/[^a-z0-9]/g, '') || 'bin'
      const name = attachment.title ?? safeFileName(`${title}${index > 0 ? ` ${index + 1}` : ''}`, extension)
      const bytes = attachmentBytes(attachment)
      const file: EmbeddedFile = { name, contentType, kind, size: bytes?.byteLength ?? attachment.size ?? 0 }
      if (bytes) file.url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: contentType }))
      else if (attachment.url) file.elsewhere = attachment.url
      return file
    })
}
