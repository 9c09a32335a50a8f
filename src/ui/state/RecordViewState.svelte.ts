import type { Vault } from '../../core/vault/Vault.ts'
import type { OpenedRecord, RecordSummary, VerifyResult } from '../../core/vault/types.ts'
import { blobFromChunks, downloadBlob, safeFileName } from '../download.ts'
import { Progress } from './Progress.svelte.ts'
import { reportError } from './reportError.ts'

/** Attachments up to this size are decrypted for an inline preview as soon as the record opens. */
const autoPreviewBytes = 25 * 1024 * 1024

/** The record the patient has open: its decrypted view, attachment, verification and export. */
export class RecordViewState {
  readonly vault: Vault
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

  constructor(vault: Vault) {
    this.vault = vault
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
    this.summary = this.vault.list().find((record) => record.cid === cid)
    this.loading = true
    try {
      const opened = await this.vault.openRecord(cid)
      if (this.cid !== cid) return
      this.opened = opened
      this.summary = opened.summary
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
    const summary = this.vault.list().find((record) => record.cid === cid)
    if (summary?.anchor !== this.summary?.anchor) this.verification = undefined
    this.summary = summary
  }

  close(): void {
    if (this.attachmentUrl) URL.revokeObjectURL(this.attachmentUrl)
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
