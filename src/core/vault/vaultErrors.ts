import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

export class RecordNotFoundError extends SalusError {
  override name = 'RecordNotFoundError' as const
  constructor(cid: string) {
    super('This record is not in your vault. It may have been removed or belong to another account.', {
      details: `no index entry for ${cid}`,
    })
  }
}

export class VaultIndexCorruptError extends SalusError {
  override name = 'VaultIndexCorruptError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super(
      'Your vault index on this device could not be read with this wallet. Sign in with the wallet that created it, or restore from a backup.',
      parameters,
    )
  }
}

export class NoAnchorerError extends SalusError {
  override name = 'NoAnchorerError' as const
  constructor() {
    super('Anchoring needs a blockchain connection. Connect to the network, then try again.')
  }
}

export class BackupArchiveError extends SalusError {
  override name = 'BackupArchiveError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super(
      'This backup could not be restored: it was made with a different wallet, or the file is damaged or incomplete. Nothing was changed.',
      parameters,
    )
  }
}

export class ImportFailedError extends SalusError {
  override name = 'ImportFailedError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super('The import could not be saved, so none of its records were added. Try again.', parameters)
  }
}

export class RecordNotCurrentError extends SalusError {
  override name = 'RecordNotCurrentError' as const
  constructor(cid: string, state: 'superseded' | 'withdrawn') {
    super(
      state === 'superseded'
        ? 'This is an older version of the record. Open its current version to amend or withdraw it.'
        : 'This record was withdrawn, so it cannot be changed any more. Add a new record instead.',
      { details: `${cid} is ${state}` },
    )
  }
}

export class RecordChangeRefusedError extends SalusError {
  override name = 'RecordChangeRefusedError' as const
  constructor(details: string) {
    super('This change was refused: a provider can only amend or withdraw a record they wrote, in the same scope. Nothing was changed.', {
      details,
    })
  }
}

export class StorageFullError extends SalusError {
  override name = 'StorageFullError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super(
      "Your browser's storage for Salus is full, so this was not saved. Nothing already in your vault was lost. Make a backup first (Vault, Backup), then free space: clear other websites' data in the browser settings, or use a device with more room, and try again.",
      parameters,
    )
  }
}

/** Whether a thrown value (or any cause it wraps) is the browser refusing to store more: IndexedDB's QuotaExceededError. */
export function isQuotaExceeded(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const name = (e as { name?: unknown }).name
    if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || name === 'StorageFullError') return true
    if (/quota/i.test(String((e as { message?: unknown }).message ?? ''))) return true
  }
  return false
}

/** Rethrows a full-storage failure as StorageFullError; anything else as it was. */
export function storageFull(error: unknown): unknown {
  if (error instanceof StorageFullError) return error
  return isQuotaExceeded(error) ? new StorageFullError({ cause: error }) : error
}
