import { IndexPages } from './IndexPages.ts'
import type { IndexEntry } from './indexEntry.ts'
import { openIndexPage, sealIndexPage } from './indexPage.ts'
import type { RecordIndexStore } from './types.ts'

/** The decrypted index in memory: entries by envelope CID, and which page each is on. */
export class VaultIndex {
  private constructor(
    private readonly vaultKey: Uint8Array,
    private readonly store: RecordIndexStore,
    readonly entries: Map<string, IndexEntry>,
    private readonly pages: IndexPages,
  ) {}

  /** Throws VaultIndexCorruptError if a row does not open with this key (another wallet's vault). */
  static async load(vaultKey: Uint8Array, store: RecordIndexStore): Promise<VaultIndex> {
    const entries = new Map<string, IndexEntry>()
    const pages = new IndexPages()
    for (const row of await store.loadAll()) {
      const page = openIndexPage(vaultKey, row)
      pages.load(page.key, page.entries.map((e) => e.summary.cid))
      for (const entry of page.entries) entries.set(entry.summary.cid, entry)
    }
    return new VaultIndex(vaultKey, store, entries, pages)
  }

  private queue: Promise<unknown> = Promise.resolve()

  /**
   * Adds or replaces entries in one store transaction; memory changes only if the store
   * accepted it. Calls run one at a time: two concurrent plans for the same page would
   * otherwise overwrite each other's records.
   */
  put(changed: readonly IndexEntry[]): Promise<void> {
    const run = this.queue.then(() => this.write(changed))
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
}
