import * as dagCbor from '@ipld/dag-cbor'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import type { BlockCodec } from '../blocks.ts'
import { readBackupArchive } from './backupArchive.ts'
import { sealIndexRow, type IndexEntry } from './indexRow.ts'
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
    const written = await p.blocks.put(item.bytes, codec)
    if (!written.equals(cid)) throw new BackupArchiveError({ details: `block ${item.cid} does not match its content address` })
    blocksSeen.add(written.toString())
  }
  for (const cid of entries.keys()) {
    if (!blocksSeen.has(cid)) throw new BackupArchiveError({ details: `record ${cid} has no envelope block in the archive` })
  }
  await p.index.putMany([...entries.values()].map((entry) => sealIndexRow(p.keys.vaultKey, entry)))
  return { restored: entries.size }
}
