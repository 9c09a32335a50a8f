import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb'
import type { IndexRow, RecordIndexStore } from '../core/vault/types.ts'

const storeName = 'records'

/**
 * The vault's sealed record index in IndexedDB: one row per index page, keyed by page key.
 * Every write is one readwrite transaction; `update` reads and writes in the same one, so
 * two tabs of the account never overwrite each other's records. After each write the
 * other tabs hear of it on a BroadcastChannel named after the database (`watch`).
 */
export async function idbRecordIndex(databaseName: string): Promise<RecordIndexStore & { close(): void }> {
  const db: IDBPDatabase = await openDB(databaseName, 1, {
    upgrade(database) {
      database.createObjectStore(storeName)
    },
  })
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(`${databaseName}:changed`) : undefined
  const listeners = new Set<() => void>()
  if (channel) channel.onmessage = () => listeners.forEach((listener) => listener())
  const changed = () => channel?.postMessage('changed')
  return {
    async loadAll() {
      return (await db.getAll(storeName)) as Uint8Array[]
    },
    putMany: async (rows) => {
      await write(rows, false)
      changed()
    },
    replaceAll: async (rows) => {
      await write(rows, true)
      changed()
    },
    async update(change) {
      const tx = db.transaction(storeName, 'readwrite')
      let rows: IndexRow[]
      let result
      try {
        ;({ rows, result } = await change({
          keys: async () => (await tx.store.getAllKeys()).map(String),
          get: async (key) => (await tx.store.get(key)) as Uint8Array | undefined,
        }))
      } catch (error) {
        abort(tx)
        tx.done.catch(() => {})
        throw error
      }
      await finish(tx, rows, false)
      changed()
      return result
    },
    watch(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async clear() {
      await db.clear(storeName)
      changed()
    },
    close() {
      channel?.close()
      db.close()
    },
  }

  function write(rows: IndexRow[], replace: boolean): Promise<void> {
    return finish(db.transaction(storeName, 'readwrite'), rows, replace)
  }

  function abort(tx: { abort(): void }) {
    try {
      tx.abort()
    } catch {
      // already finished or aborted
    }
  }

  async function finish(tx: IDBPTransaction<unknown, ['records'], 'readwrite'>, rows: IndexRow[], replace: boolean): Promise<void> {
    // One readwrite transaction: if any put fails, IndexedDB rolls the whole batch back (and the clear with it).
    let firstError: unknown
    const fail = (error: unknown) => {
      firstError ??= error
      abort(tx)
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
