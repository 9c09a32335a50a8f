import * as dagCbor from '@ipld/dag-cbor'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { verifyBlock, type BlockCodec } from '../blocks.ts'
import { readBackupArchive } from './backupArchive.ts'
import type { IndexEntry } from './indexEntry.ts'
import { VaultIndex } from './vaultIndex.ts'
import type { RestoreVaultParameters } from './types.ts'
import { BackupArchiveError } from './vaultErrors.ts'

const codecNames = new Map<number, BlockCodec>([
  [raw.code, 'raw'],
  [dagCbor.code, 'dag-cbor'],
])

/**
 * Restores an archive from `Vault.backup()`. Blocks are re-hashed and written as they
 * arrive; index entries are written in one transaction only once the whole archive
 * authenticated, so a wrong wallet or a damaged file adds nothing to the index.
 */
export async function restoreVault(p: RestoreVaultParameters): Promise<{ restored: number }> {
  // Restoring into a vault that already has records merges; its rows must open with these keys.
  const index = await VaultIndex.load(p.keys.vaultKey, p.index)
  const entries = new Map<string, IndexEntry>()
  const blocksSeen = new Set<string>()
  for await (const item of readBackupArchive(p.keys.vaultKey, p.archive)) {
    if (item.kind === 'entry') {
      entries.set(item.entry.envelopeCid, item.entry)
      continue
    }
    let cid: CID
    try {
      cid = CID.parse(item.cid)
    } catch (cause) {
      throw new BackupArchiveError({ details: `bad block cid ${item.cid}`, cause })
    }
    const codec = codecNames.get(cid.code)
    if (!codec) throw new BackupArchiveError({ details: `block ${item.cid} has an unsupported codec` })
    try {
      await verifyBlock(cid, item.bytes)
    } catch (cause) {
      throw new BackupArchiveError({ details: `block ${item.cid} does not match its content address`, cause })
    }
    const written = await p.blocks.put(item.bytes, codec)
    blocksSeen.add(written.toString())
  }
  for (const cid of entries.keys()) {
    if (!blocksSeen.has(cid)) throw new BackupArchiveError({ details: `record ${cid} has no envelope block in the archive` })
  }
  await index.put([...entries.values()])
  return { restored: entries.size }
}
