import { blobFromChunks, downloadBlob, fileChunks } from '../download.ts'
import { Progress } from './Progress.svelte.ts'
import { reportError } from './reportError.ts'

export type RestoreBackup = (archive: AsyncIterable<Uint8Array>) => Promise<{ restored: number }>

/** Largest backup file accepted; a vault with many 100 MB attachments can be large, but not unbounded. */
export const maxBackupBytes = 4 * 1024 * 1024 * 1024

/** Encrypted backup download and restore. Restoring goes through the session, which reopens the vault. */
export class BackupState {
  private readonly makeBackup: () => AsyncIterable<Uint8Array>
  private readonly restoreBackup: RestoreBackup
  progress = new Progress()
  busy = $state(false)
  status = $state('')
  error = $state('')

  /** Both go through the session because a restore replaces the open vault. */
  constructor(makeBackup: () => AsyncIterable<Uint8Array>, restoreBackup: RestoreBackup) {
    this.makeBackup = makeBackup
    this.restoreBackup = restoreBackup
  }

  async download(): Promise<void> {
    this.begin('Preparing the encrypted backup')
    try {
      let bytes = 0
      const progress = this.progress
      const counted = async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          bytes += chunk.byteLength
          progress.update(bytes, 0)
          yield chunk
        }
      }
      const blob = await blobFromChunks(counted(this.makeBackup()), 'application/octet-stream')
      const day = new Date().toISOString().slice(0, 10)
      downloadBlob(blob, `salus-backup-${day}.salus`)
      this.status = 'Backup downloaded. Keep it somewhere safe: only your wallet can open it.'
    } catch (error) {
      this.error = reportError(error, 'making a backup')
    } finally {
      this.end()
    }
  }

  async restore(file: File): Promise<void> {
    if (file.size > maxBackupBytes) {
      this.error = 'This file is too large to be a Salus backup. Choose the .salus file you downloaded.'
      return
    }
    this.begin(`Restoring ${file.name}`, file.size)
    try {
      let bytes = 0
      const progress = this.progress
      const counted = async function* () {
        for await (const chunk of fileChunks(file)) {
          bytes += chunk.byteLength
          progress.update(bytes, file.size)
          yield chunk
        }
      }
      const { restored } = await this.restoreBackup(counted())
      this.status = `Restored ${restored} record${restored === 1 ? '' : 's'} from the backup.`
    } catch (error) {
      this.error = reportError(error, 'restoring a backup')
    } finally {
      this.end()
    }
  }

  private begin(label: string, total = 0): void {
    this.busy = true
    this.status = ''
    this.error = ''
    this.progress.begin(label, total)
  }

  private end(): void {
    this.busy = false
    this.progress.end()
  }
}
