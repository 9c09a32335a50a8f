import { IndexPages, pageNumber } from './IndexPages.ts'
import type { IndexEntry } from './indexEntry.ts'
import { openIndexPage, sealIndexPage } from './indexPage.ts'
import type { RecordIndexStore } from './types.ts'

/** The decrypted index in memory: entries by envelope CID, and which page each is on. */
export class VaultIndex {
  private constructor(
    private readonly vaultKey: Uint8Array,
    private readonly store: RecordIndexStore,
    readonly entries: Map<string, IndexEntry>,
    private pages: IndexPages,
  ) {}

  /** Throws VaultIndexCorruptError if a row does not open with this key (another wallet's vault). */
  static async load(vaultKey: Uint8Array, store: RecordIndexStore): Promise<VaultIndex> {
    const { entries, pages } = readRows(vaultKey, await store.loadAll())
    return new VaultIndex(vaultKey, store, entries, pages)
  }

  private queue: Promise<unknown> = Promise.resolve()

  /**
   * Adds or replaces entries in one store transaction; memory changes only if the store
   * accepted it. Calls run one at a time: two concurrent plans for the same page would
   * otherwise overwrite each other's records. Another tab of the same account is a
   * writer this queue cannot see: with a store that has `update`, the pages a write
   * touches are re-read inside its own transaction and merged (see writeMerged).
   */
  put(changed: readonly IndexEntry[]): Promise<void> {
    return this.serial(() => (this.store.update ? this.writeMerged(changed) : this.write(changed)))
  }

  /**
   * Re-reads every row (another tab added or changed records). Returns whether anything
   * changed. Entries are replaced in place, so holders of `entries` see the new ones.
   */
  reload(): Promise<boolean> {
    return this.serial(async () => {
      const { entries, pages } = readRows(this.vaultKey, await this.store.loadAll())
      let changed = entries.size !== this.entries.size
      if (!changed)
        for (const [cid, entry] of entries) {
          const old = this.entries.get(cid)
          if (!old || !sameEntry(old, entry)) {
            changed = true
            break
          }
        }
      this.entries.clear()
      for (const [cid, entry] of entries) this.entries.set(cid, entry)
      this.pages = pages
      return changed
    })
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work)
    this.queue = run.catch(() => {})
    return run
  }

  private async write(changed: readonly IndexEntry[]): Promise<void> {
    if (changed.length === 0) return
    const updated = new Map(changed.map((e) => [e.summary.cid, e]))
    const plan = this.pages.plan([...updated.keys()])
    const rows = plan.map((page) =>
      sealIndexPage(this.vaultKey, page.key, page.cids.map((cid) => (updated.get(cid) ?? this.entries.get(cid)) as IndexEntry)),
    )
    await this.store.putMany(rows)
    this.pages.apply(plan)
    for (const [cid, entry] of updated) this.entries.set(cid, entry)
  }

  /**
   * The two-tab-safe write: inside one transaction, read the pages this write touches as
   * the store has them now (the last page, pages holding changed records, and pages this
   * tab has never seen), plan against that, and write. Another tab's records on those
   * pages are kept, and learned. Sealing and opening are synchronous, so the transaction
   * stays open. Memory changes only after the transaction committed.
   */
  private async writeMerged(changed: readonly IndexEntry[]): Promise<void> {
    if (changed.length === 0) return
    const updated = new Map(changed.map((e) => [e.summary.cid, e]))
    const { pages, learned } = await this.store.update!(async (tx) => {
      const pages = this.pages.clone()
      const learned = new Map<string, IndexEntry>()
      const stored = await tx.keys()
      const toRead = new Set(stored.filter((key) => !this.pages.has(key)))
      for (const cid of updated.keys()) {
        const key = this.pages.pageFor(cid)
        if (key) toRead.add(key)
      }
      const last = stored.reduce<string | undefined>((a, key) => (a === undefined || pageNumber(key) > pageNumber(a) ? key : a), undefined)
      if (last) toRead.add(last)
      for (const key of toRead) {
        const row = await tx.get(key)
        if (!row) continue
        const page = openIndexPage(this.vaultKey, row)
        pages.load(page.key, page.entries.map((e) => e.summary.cid))
        for (const entry of page.entries) learned.set(entry.summary.cid, entry)
      }
      const plan = pages.plan([...updated.keys()])
      const rows = plan.map((page) =>
        sealIndexPage(
          this.vaultKey,
          page.key,
          page.cids.map((cid) => (updated.get(cid) ?? learned.get(cid) ?? this.entries.get(cid)) as IndexEntry),
        ),
      )
      pages.apply(plan)
      return { rows, result: { pages, learned } }
    })
    this.pages = pages
    for (const [cid, entry] of learned) this.entries.set(cid, entry)
    for (const [cid, entry] of updated) this.entries.set(cid, entry)
  }
}

function readRows(vaultKey: Uint8Array, rows: readonly Uint8Array[]): { entries: Map<string, IndexEntry>; pages: IndexPages } {
  const entries = new Map<string, IndexEntry>()
  const pages = new IndexPages()
  for (const row of rows) {
    const page = openIndexPage(vaultKey, row)
    pages.load(page.key, page.entries.map((e) => e.summary.cid))
    for (const entry of page.entries) entries.set(entry.summary.cid, entry)
  }
  return { entries, pages }
}

function sameEntry(a: IndexEntry, b: IndexEntry): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
