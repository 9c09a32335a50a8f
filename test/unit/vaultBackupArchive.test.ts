import { describe, expect, it } from 'vitest'
import { readBackupArchive, writeBackupArchive, type BackupItem } from '../../src/core/vault/backupArchive.ts'
import type { IndexEntry } from '../../src/core/vault/indexEntry.ts'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { restoreVault } from '../../src/core/vault/restoreVault.ts'

const key = new Uint8Array(32).fill(7)
const entry: IndexEntry = {
  v: 1,
  envelopeCid: 'bafyexample',
  scope: 'labs',
  epoch: 0,
  summary: { cid: 'bafyexample', scope: 'labs', resourceType: 'Observation', title: 'Glucose', created: '2024-01-01T00:00:00.000Z', source: 'form', searchText: 'glucose' },
}
const big = Uint8Array.from({ length: 600_000 }, (_, i) => (i * 31 + 7) & 255)

async function* items(): AsyncGenerator<BackupItem> {
  yield { kind: 'entry', entry }
  yield { kind: 'block', cid: 'bafyblock1', bytes: big }
  yield { kind: 'block', cid: 'bafyblock2', bytes: new Uint8Array([1, 2, 3]) }
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of source) out.push(x)
  return out
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) (out.set(p, at), (at += p.byteLength))
  return out
}

describe('backup archive', () => {
  it('round-trips items even when the file is re-split into odd pieces', async () => {
    const archive = join(await collect(writeBackupArchive(key, items())))
    expect(new TextDecoder().decode(archive.subarray(0, 12))).toBe('SALUS-BACKUP')
    async function* pieces() {
      for (let i = 0; i < archive.byteLength; i += 7777) yield archive.subarray(i, i + 7777)
    }
    const back = await collect(readBackupArchive(key, pieces()))
    expect(back).toHaveLength(3)
    expect(back[0]).toEqual({ kind: 'entry', entry })
    expect(back[1]).toMatchObject({ kind: 'block', cid: 'bafyblock1' })
    expect(Buffer.from((back[1] as { bytes: Uint8Array }).bytes).equals(Buffer.from(big))).toBe(true)
  })

  it('rejects a wrong key, a flipped byte and a truncated file', async () => {
    const archive = join(await collect(writeBackupArchive(key, items())))
    await expect(collect(readBackupArchive(new Uint8Array(32).fill(8), archive))).rejects.toMatchObject({ name: 'BackupArchiveError' })
    const flipped = archive.slice()
    flipped[archive.byteLength - 40]! ^= 1
    await expect(collect(readBackupArchive(key, flipped))).rejects.toMatchObject({ name: 'BackupArchiveError' })
    await expect(collect(readBackupArchive(key, archive.subarray(0, archive.byteLength - 100)))).rejects.toMatchObject({ name: 'BackupArchiveError' })
    const salt = archive.slice()
    salt[20]! ^= 1
    await expect(collect(readBackupArchive(key, salt))).rejects.toMatchObject({ name: 'BackupArchiveError' })
    await expect(collect(readBackupArchive(key, new TextEncoder().encode('hello world, not a backup at all, no')))).rejects.toMatchObject({ name: 'BackupArchiveError' })
  })
})

describe('restore of an authentic archive with a wrong block', () => {
  it('refuses a block whose bytes do not hash to its cid and writes no index entry', async () => {
    const keys = deriveKeys(Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 27 : i)))
    const source = memoryBlockAccess()
    const real = await source.put(new TextEncoder().encode('envelope'), 'raw')
    const forged: IndexEntry = { ...entry, envelopeCid: real.toString(), summary: { ...entry.summary, cid: real.toString() } }
    async function* lying(): AsyncGenerator<BackupItem> {
      yield { kind: 'entry', entry: forged }
      yield { kind: 'block', cid: real.toString(), bytes: new TextEncoder().encode('not the envelope') }
    }
    const archive = join(await collect(writeBackupArchive(keys.vaultKey, lying())))
    const target = { blocks: memoryBlockAccess(), index: memoryRecordIndex() }
    await expect(restoreVault({ keys, ...target, archive })).rejects.toMatchObject({ name: 'BackupArchiveError' })
    expect(target.index.size).toBe(0)
    await expect(target.blocks.get(real)).rejects.toThrow()
  })
})
