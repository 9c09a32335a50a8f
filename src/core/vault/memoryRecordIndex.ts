import type { RecordIndexStore } from './types.ts'

/** An in-memory RecordIndexStore for tests and throwaway sessions; putMany is all-or-nothing like IndexedDB. */
export function memoryRecordIndex(): RecordIndexStore & { readonly size: number } {
  const rows = new Map<string, Uint8Array>()
  let queue: Promise<unknown> = Promise.resolve()
  return {
    get size() {
      return rows.size
    },
    async loadAll() {
      return [...rows.values()].map((sealed) => sealed.slice())
    },
    async putMany(batch) {
      // Validate first so a bad row leaves the store untouched.
      for (const row of batch) {
        if (typeof row.cid !== 'string' || !(row.sealed instanceof Uint8Array)) throw new TypeError('bad index row')
      }
      for (const row of batch) rows.set(row.cid, row.sealed.slice())
    },
    async update(change) {
      // One writer at a time, like an IndexedDB readwrite transaction.
      const run = queue.then(async () => {
        const { rows: batch, result } = await change({
          keys: async () => [...rows.keys()],
          get: async (key) => rows.get(key)?.slice(),
        })
        for (const row of batch) if (typeof row.cid !== 'string' || !(row.sealed instanceof Uint8Array)) throw new TypeError('bad index row')
        for (const row of batch) rows.set(row.cid, row.sealed.slice())
        return result
      })
      queue = run.catch(() => {})
      return run
    },
    async clear() {
      rows.clear()
    },
    async replaceAll(batch) {
      for (const row of batch) {
        if (typeof row.cid !== 'string' || !(row.sealed instanceof Uint8Array)) throw new TypeError('bad index row')
      }
      rows.clear()
      for (const row of batch) rows.set(row.cid, row.sealed.slice())
    },
  }
}
