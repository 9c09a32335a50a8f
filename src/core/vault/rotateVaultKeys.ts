import type { BlockAccess } from '../blocks.ts'
import { SalusError } from '../../errors/salusError.ts'
import type { SalusKeys } from '../keys/deriveKeys.ts'
import { Vault } from './Vault.ts'
import type { ProgressCallback, RecordIndexStore } from './types.ts'

export class KeyRotationError extends SalusError {
  override name = 'KeyRotationError' as const
  constructor(parameters: { details?: string; cause?: unknown }) {
    super('Your keys could not be rotated; your records are unchanged and still open with your current keys. Try again.', parameters)
  }
}

export type RotateVaultKeysParameters = {
  /** The vault open with the current (possibly compromised) keys. */
  from: Vault
  /** Keys of the next version (deriveKeys with keyVersion + 1 and a new passkey). */
  keys: SalusKeys
  blocks: BlockAccess
  /** The account's index store: its rows are replaced in one transaction once every record is re-sealed. */
  index: RecordIndexStore
  onProgress?: ProgressCallback
}

/**
 * Moves a vault to new keys after a compromise: every record is opened with the old
 * keys and sealed again under the new version's scope keys and record signer (new
 * envelopes, new CIDs), and the index is re-encrypted under the new vault key. The
 * old rows are replaced in one transaction, so a failure half-way leaves the old vault
 * whole. Old envelopes stay in the block store (what was shared is already out), but
 * nothing sealed from now on opens with the old keys or with fragments made from them:
 * grants made before are moved by src/flows/consent/moveGrantsToNewKeys.ts. Anchors belong to the old envelopes, so the
 * re-sealed records wait to be anchored again. Uses only Vault's public API.
 */
export async function rotateVaultKeys(p: RotateVaultKeysParameters): Promise<{ resealed: number }> {
  if (!p.index.replaceAll) throw new KeyRotationError({ details: 'the index store cannot replace its rows in one transaction' })
  const staged = new Map<string, Uint8Array>()
  const staging: RecordIndexStore = {
    async loadAll() {
      return []
    },
    async putMany(rows) {
      for (const row of rows) staged.set(row.cid, row.sealed)
    },
    async clear() {
      staged.clear()
    },
  }
  // Each record keeps the date it entered the vault: the new vault's clock reads it.
  let created = new Date()
  const next = await Vault.open({ keys: p.keys, blocks: p.blocks, index: staging, now: () => created })
  const summaries = p.from.list()
  p.onProgress?.(0, summaries.length)
  let done = 0
  try {
    for (const summary of summaries) {
      const opened = await p.from.openRecord(summary.cid)
      created = new Date(summary.created)
      const attachment = opened.attachment
      await next.addRecord({
        resource: opened.resource,
        source: summary.source,
        ...(attachment
          ? { attachment: { name: attachment.name, contentType: attachment.contentType, size: attachment.size, source: attachment.read() } }
          : {}),
      })
      p.onProgress?.(++done, summaries.length)
    }
  } catch (cause) {
    throw new KeyRotationError({ details: `re-sealing record ${done + 1} of ${summaries.length}`, cause })
  }
  try {
    await p.index.replaceAll([...staged].map(([cid, sealed]) => ({ cid, sealed })))
  } catch (cause) {
    throw new KeyRotationError({ details: 'writing the re-encrypted index', cause })
  }
  return { resealed: summaries.length }
}

export class KeyRotationInProgressError extends SalusError {
  override name = 'KeyRotationInProgressError' as const
  constructor() {
    super('Your keys are being rotated, so nothing can be saved right now. Wait until the rotation has finished, then try again.')
  }
}

export type GatedRecordIndex = RecordIndexStore & {
  /** Refuses every write until release(): a row written under the old vault key during a rotation would be lost or unreadable. */
  hold(): void
  release(): void
  /** The store itself, for the rotation's own replaceAll. */
  readonly inner: RecordIndexStore
}

/** Wraps the account's index so the open vault cannot write while rotateVaultKeys re-seals it. */
export function gateRecordIndex(inner: RecordIndexStore): GatedRecordIndex {
  let held = false
  const open = () => {
    if (held) throw new KeyRotationInProgressError()
  }
  return {
    inner,
    hold: () => void (held = true),
    release: () => void (held = false),
    loadAll: () => inner.loadAll(),
    async putMany(rows) {
      open()
      return inner.putMany(rows)
    },
    async clear() {
      open()
      return inner.clear()
    },
    ...(inner.update
      ? {
          async update<T>(change: Parameters<NonNullable<RecordIndexStore['update']>>[0]) {
            open()
            return inner.update!(change) as Promise<T>
          },
        }
      : {}),
    ...(inner.watch ? { watch: (listener: () => void) => inner.watch!(listener) } : {}),
    ...(inner.replaceAll
      ? {
          async replaceAll(rows: { cid: string; sealed: Uint8Array }[]) {
            open()
            return inner.replaceAll!(rows)
          },
        }
      : {}),
  }
}
