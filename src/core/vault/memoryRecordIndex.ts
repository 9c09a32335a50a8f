import type { RecordIndexStore } from './types.ts'

/** An in-memory RecordIndexStore for tests and throwaway sessions; putMany is all-or-nothing like IndexedDB. */
export function memoryRecordIndex(): RecordIndexStore & { readonly size: number } {
  const rows = new Map<string, Uint8Array>()
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
