import { openDB, type IDBPDatabase } from 'idb'
import type { RecordIndexStore } from '../core/vault/types.ts'

const storeName = 'records'

/** The vault's sealed record index in IndexedDB: one row per record, keyed by envelope CID. */
export async function idbRecordIndex(databaseName: string): Promise<RecordIndexStore & { close(): void }> {
  const db: IDBPDatabase = await openDB(databaseName, 1, {
    upgrade(database) {
      database.createObjectStore(storeName)
    },
  })
  return {
    async loadAll() {
      return (await db.getAll(storeName)) as Uint8Array[]
    },
    putMany: (rows) => write(rows, false),
    replaceAll: (rows) => write(rows, true),
    async clear() {
      await db.clear(storeName)
    },
    close() {
      db.close()
    },
  }

  async function write(rows: { cid: string; sealed: Uint8Array }[], replace: boolean): Promise<void> {
    // One readwrite transaction: if any put fails, IndexedDB rolls the whole batch back (and the clear with it).
    const tx = db.transaction(storeName, 'readwrite')
    let firstError: unknown
    const fail = (error: unknown) => {
      firstError ??= error
      try {
        tx.abort()
      } catch {
        // already finished or aborted
      }
    }
    if (replace) tx.store.clear().catch(fail)
    for (const row of rows) {
      try {
        tx.store.put(row.sealed, row.cid).catch(fail)
      } catch (error) {
        fail(error)
        break
      }
    }
    try {
      await tx.done
    } catch (error) {
      throw firstError ?? error
    }
    if (firstError !== undefined) throw firstError
  }
}
