import { CID } from 'multiformats/cid'
import type { SalusKeys } from '../keys/deriveKeys.ts'
import type { BlockAccess } from '../blocks.ts'
import type { Scope } from '../scopes.ts'
import { scopeLabels } from '../scopes.ts'
import type { FhirResource } from '../fhir/fhirTypes.ts'
import { validateResource } from '../fhir/validateResource.ts'
import { scopeOfResource } from '../fhir/scopeOfResource.ts'
import { describeResource, searchText } from '../fhir/describeResource.ts'
import { fhirRefOf, referencesOf } from '../fhir/recordLinks.ts'
import { sealRecord } from '../envelope/sealRecord.ts'
import { openRecord as openEnvelope } from '../envelope/openRecord.ts'
import { loadUmbral, recordSigner, unwrapDataKey, type SecretKey } from '../../crypto/umbral.ts'
import { scopeSecretKey } from '../keys/scopeSecretKey.ts'
import { anchorLeaf, anchorSalt } from '../anchor/merkle.ts'
import { batchProofs } from './batchProofs.ts'
import type { IndexEntry } from './indexEntry.ts'
import { VaultIndex } from './vaultIndex.ts'
import { buildSearchText, compareSummaries, matchesWords, queryWords } from './searchText.ts'
import { exportableResource } from './exportableResource.ts'
import { verifyVaultRecord } from './verifyVaultRecord.ts'
import { writeBackupArchive, type BackupItem } from './backupArchive.ts'
import { recordBlocks } from './recordBlocks.ts'
import { restoreVault } from './restoreVault.ts'
import { ImportFailedError, NoAnchorerError, StorageFullError, storageFull, RecordChangeRefusedError, RecordNotCurrentError, RecordNotFoundError } from './vaultErrors.ts'
import { provenanceResource, provenanceSignatureHolds, type RecordProvenance } from './provenance.ts'
import type {
  AddRecordParameters,
  AmendRecordParameters,
  RecordActor,
  WithdrawRecordParameters,
  AnchorInfo,
  Anchorer,
  ImportRecordsParameters,
  OpenVaultParameters,
  OpenedRecord,
  RecordSource,
  RecordSummary,
  RestoreVaultParameters,
  VerifyResult,
} from './types.ts'


/**
 * The patient's vault: records, the encrypted local index, anchoring, verification
 * and backup. Framework-free; storage and chain are injected. The whole index is kept
 * decrypted in memory so list and search never touch storage.
 */
export class Vault {
  private ordered: readonly RecordSummary[] | undefined
  private readonly scopeKeys = new Map<string, SecretKey>()
  private signer: ReturnType<typeof recordSigner> | undefined
  private anchoring: Promise<AnchorInfo | undefined> | undefined
  /** Per scope, the epoch the chain says is current (src/core/consent/scopeEpochs.ts); the index can only raise it. */
  private knownEpochs: Partial<Record<Scope, number>> = {}
  /** Per scope, the epochs its records are sealed in, ascending; dropped when the index changes. */
  private sealedEpochs: Map<Scope, number[]> | undefined

  private constructor(
    private readonly keys: SalusKeys,
    private readonly blocks: BlockAccess,
    private readonly index: VaultIndex,
    private readonly anchorer: Anchorer | undefined,
    private readonly now: () => Date,
  ) {}

  /** Loads and decrypts the index; throws VaultIndexCorruptError if a row does not open with these keys. */
  static async open(p: OpenVaultParameters): Promise<Vault> {
    await loadUmbral()
    const index = await VaultIndex.load(p.keys.vaultKey, p.index)
    return new Vault(p.keys, p.blocks, index, p.anchorer, p.now ?? (() => new Date()))
  }

  /**
   * The epochs the chain says are current (a revocation rotates its scopes). They only
   * ever go up: a stale read cannot send new records back to an epoch a revoked grant opens.
   */
  setScopeEpochs(epochs: Partial<Record<Scope, number>>): void {
    for (const [scope, epoch] of Object.entries(epochs) as [Scope, number][]) {
      if (!Number.isSafeInteger(epoch) || epoch < 0 || epoch > 0xffffffff) throw new TypeError(`bad epoch ${epoch} for ${scope}`)
      if (epoch > (this.knownEpochs[scope] ?? 0)) this.knownEpochs[scope] = epoch
    }
  }

  /** The epoch a record added to `scope` now is sealed in. */
  currentEpoch(scope: Scope): number {
    return Math.max(this.knownEpochs[scope] ?? 0, this.epochsInIndex(scope).at(-1) ?? 0)
  }

  /** Every epoch the scope's records are sealed in, and the current one, ascending: what a grant needs fragments for. */
  epochsOf(scope: Scope): number[] {
    return [...new Set([...this.epochsInIndex(scope), this.currentEpoch(scope)])].sort((a, b) => a - b)
  }

  private epochsInIndex(scope: Scope): number[] {
    if (!this.sealedEpochs) {
      const sets = new Map<Scope, Set<number>>()
      for (const entry of this.entries.values()) {
        let set = sets.get(entry.scope)
        if (!set) sets.set(entry.scope, (set = new Set()))
        set.add(entry.epoch)
      }
      this.sealedEpochs = new Map([...sets].map(([s, set]) => [s, [...set].sort((a, b) => a - b)]))
    }
    return this.sealedEpochs.get(scope) ?? []
  }

  /**
   * Newest clinical date first; one row per record: its current version (withdrawn
   * records stay, marked; superseded versions are in `history`). The same array until
   * the vault changes, then a new one.
   */
  list(): readonly RecordSummary[] {
    this.ordered ??= Object.freeze(
      [...this.entries.values()].map((e) => e.summary).filter((s) => s.status?.state !== 'superseded').sort(compareSummaries),
    )
    return this.ordered
  }

  /** Every version of the record `cid` belongs to, oldest first (the current or withdrawn one last). */
  history(cid: string): RecordSummary[] {
    const root = this.entry(cid).summary.versionOf ?? cid
    return [...this.entries.values()]
      .map((e) => e.summary)
      .filter((s) => s.cid === root || s.versionOf === root)
      .sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.cid < b.cid ? -1 : 1))
  }

  /** Ids of every inbox item this vault accepted (any version). */
  acceptedItems(): Set<string> {
    const ids = new Set<string>()
    for (const entry of this.entries.values()) if (entry.summary.provenance) ids.add(entry.summary.provenance.itemId)
    return ids
  }

  /** The version accepted from inbox item `itemId`, if this vault has it. */
  findByItem(itemId: string): RecordSummary | undefined {
    for (const entry of this.entries.values()) if (entry.summary.provenance?.itemId === itemId) return entry.summary
    return undefined
  }

  /**
   * Replaces the current version `cid` with a new one. The old version stays (its
   * envelope and anchor unchanged), marked superseded by the new one. A provider may
   * only amend a record they signed. Both index rows change in one transaction.
   */
  async amendRecord(p: AmendRecordParameters): Promise<RecordSummary> {
    const old = this.changeable(p.cid, p.by)
    const entry = await this.seal(p.resource, p.provenance ? 'provider' : 'form', p.attachment, p.onProgress, p.provenance)
    if (entry.scope !== old.scope) throw new RecordChangeRefusedError(`an amendment must stay in scope ${old.scope}, not ${entry.scope}`)
    entry.summary.versionOf = old.summary.versionOf ?? old.summary.cid
    entry.summary.replaces = old.summary.cid
    const status = { state: 'superseded' as const, at: entry.summary.created, by: p.by, replacedBy: entry.summary.cid, ...(p.reason ? { reason: p.reason } : {}) }
    await this.commit([{ ...old, summary: { ...old.summary, status } }, entry])
    return entry.summary
  }

  /** Marks the current version `cid` withdrawn; it stays in the list and history, marked, and still verifies. */
  async withdrawRecord(p: WithdrawRecordParameters): Promise<RecordSummary> {
    const old = this.changeable(p.cid, p.by)
    const status = { state: 'withdrawn' as const, at: this.now().toISOString(), by: p.by, ...(p.reason ? { reason: p.reason } : {}) }
    const summary = { ...old.summary, status }
    await this.commit([{ ...old, summary }])
    return summary
  }

  private changeable(cid: string, by: RecordActor): IndexEntry {
    const entry = this.entry(cid)
    if (entry.summary.status) throw new RecordNotCurrentError(cid, entry.summary.status.state)
    if (by !== 'patient') {
      const author = entry.summary.provenance?.author
      if (!author || author.toLowerCase() !== by.toLowerCase()) {
        throw new RecordChangeRefusedError(`${by} did not write record ${cid}${author ? ` (${author} did)` : ''}`)
      }
    }
    return entry
  }

  /** Every word of the query must appear in the record's searchText; list order. */
  search(query: string): RecordSummary[] {
    const words = queryWords(query)
    return this.list().filter((summary) => matchesWords(summary, words))
  }

  async addRecord(p: AddRecordParameters): Promise<RecordSummary> {
    try {
      const entry = await this.seal(p.resource, p.provenance ? 'provider' : p.source, p.attachment, p.onProgress, p.provenance)
      await this.commit([entry])
      return entry.summary
    } catch (error) {
      throw storageFull(error)
    }
  }

  /**
   * Seals every record, then adds them all to the index in ONE transaction: a cancelled
   * (signal), failed or interrupted import (the tab closed) adds nothing. Envelopes
   * already written to the block store stay there unreferenced: no index row points to
   * them, so no list, share or backup ever reaches them (backups walk from index rows).
   * A full storage quota throws StorageFullError; the vault is then as it was.
   */
  async importRecords(p: ImportRecordsParameters): Promise<RecordSummary[]> {
    const sealed: IndexEntry[] = []
    p.onProgress?.(0, p.records.length)
    try {
      for (const record of p.records) {
        p.signal?.throwIfAborted()
        sealed.push(await this.seal(record.resource, 'import', undefined, undefined, undefined, record.fingerprint))
        p.onProgress?.(sealed.length, p.records.length)
      }
      p.signal?.throwIfAborted()
      await this.commit(sealed)
    } catch (error) {
      if (p.signal?.aborted) throw p.signal.reason
      const full = storageFull(error)
      throw full instanceof StorageFullError || full instanceof ImportFailedError ? full : new ImportFailedError({ cause: error })
    }
    return sealed.map((e) => e.summary)
  }

  /**
   * The import fingerprints of every record in the vault (any version), for skipping
   * duplicates. Records stored before fingerprints existed get theirs now, computed by
   * `fingerprint` from the opened resource, and kept in the index (best effort).
   */
  async fingerprints(p: { fingerprint(resource: FhirResource): string; signal?: AbortSignal }): Promise<Set<string>> {
    const found = new Set<string>()
    const filled: IndexEntry[] = []
    for (const entry of this.entries.values()) {
      if (entry.summary.fingerprint) {
        found.add(entry.summary.fingerprint)
        continue
      }
      p.signal?.throwIfAborted()
      try {
        const fingerprint = p.fingerprint((await this.open(entry)).resource)
        found.add(fingerprint)
        filled.push({ ...entry, summary: { ...entry.summary, fingerprint } })
      } catch {
        // A record that does not open cannot be a duplicate of anything we can read.
      }
    }
    if (filled.length > 0) await this.commit(filled).catch(() => {})
    return found
  }

  /** Re-reads the index (another tab of the account changed it); true if the list changed. */
  async reload(): Promise<boolean> {
    const changed = await this.index.reload()
    if (changed) {
      this.ordered = undefined
      this.sealedEpochs = undefined
    }
    return changed
  }

  async openRecord(cid: string): Promise<OpenedRecord> {
    const entry = this.entry(cid)
    const opened = await this.open(entry)
    const result: OpenedRecord = { summary: entry.summary, resource: opened.resource, view: describeResource(opened.resource) }
    const attachment = entry.summary.attachment
    if (attachment && opened.attachment) result.attachment = { ...attachment, read: opened.attachment.read }
    return result
  }

  /** FHIR JSON; a note's attachment is inlined as base64 when small enough (see exportableResource). */
  async exportRecord(cid: string): Promise<string> {
    return JSON.stringify(await this.exportable(cid), null, 2)
  }

  /**
   * Every current record as one FHIR Bundle of type collection, newest first; a record
   * accepted from a provider is followed by a Provenance with its author and signature.
   */
  async exportAll(): Promise<string> {
    const entry: { fullUrl?: string; resource: FhirResource }[] = []
    for (const summary of this.list()) {
      if (summary.status?.state === 'withdrawn') continue
      const fullUrl = `urn:salus:${summary.cid}`
      entry.push({ fullUrl, resource: await this.exportable(summary.cid) })
      if (summary.provenance) entry.push({ resource: provenanceResource(fullUrl, summary.provenance) })
    }
    const bundle = { resourceType: 'Bundle', type: 'collection', timestamp: this.now().toISOString(), entry }
    return JSON.stringify(bundle, null, 2)
  }

  pendingAnchors(): number {
    let count = 0
    for (const entry of this.entries.values()) if (!entry.summary.anchor) count++
    return count
  }

  /** Anchors one Merkle root over every unanchored record; returns the first record's anchor (batch fields are shared). */
  anchorPending(): Promise<AnchorInfo | undefined> {
    // A second call while a transaction is out joins it instead of anchoring the same records twice.
    this.anchoring ??= this.anchorNow().finally(() => (this.anchoring = undefined))
    return this.anchoring
  }

  private async anchorNow(): Promise<AnchorInfo | undefined> {
    if (!this.anchorer) throw new NoAnchorerError()
    const pending = [...this.entries.values()].filter((e) => !e.summary.anchor)
    if (pending.length === 0) return undefined
    const salts = pending.map((e) => anchorSalt(this.keys.vaultKey, CID.parse(e.envelopeCid)))
    const leaves = pending.map((e, i) => anchorLeaf(CID.parse(e.envelopeCid), salts[i]))
    const { root, proofs } = batchProofs(leaves)
    const batch = await this.anchorer.anchor(root, leaves.length)
    const anchored = pending.map((e, i): IndexEntry => {
      const anchor: AnchorInfo = {
        chainId: this.anchorer!.chainId,
        contract: this.anchorer!.contract,
        batchId: batch.batchId,
        root,
        leaf: leaves[i]!,
        salt: salts[i]!,
        proof: proofs[i]!,
        txHash: batch.txHash,
        blockNumber: batch.blockNumber,
        timestamp: batch.timestamp,
      }
      return { ...e, summary: { ...e.summary, anchor } }
    })
    await this.commit(anchored)
    return anchored[0]!.summary.anchor
  }

  async verifyRecord(cid: string): Promise<VerifyResult> {
    const entry = this.entry(cid)
    const result = await verifyVaultRecord({ entry, blocks: this.blocks, anchorer: this.anchorer, open: () => this.open(entry) })
    const provenance = entry.summary.provenance
    if (!provenance) return result
    let ok = false
    try {
      ok = await provenanceSignatureHolds((await this.open(entry)).resource, provenance)
    } catch {
      ok = false
    }
    result.checks.push({
      label: "Provider's signature",
      ok,
      detail: ok
        ? `Signed by ${provenance.author} on ${new Date(provenance.signedAt * 1000).toISOString()}.`
        : `The saved signature does not match this record and ${provenance.author}: the record or its provenance was altered.`,
    })
    return { ok: result.ok && ok, checks: result.checks }
  }

  /** The encrypted archive (docs/backup-format.md), produced a block at a time. */
  backup(): AsyncIterable<Uint8Array> {
    const blocks = this.blocks
    const entries = [...this.entries.values()]
    async function* items(): AsyncGenerator<BackupItem> {
      const seen = new Set<string>()
      for (const entry of entries) {
        yield { kind: 'entry', entry }
        for await (const block of recordBlocks(blocks, CID.parse(entry.envelopeCid), seen)) {
          yield { kind: 'block', cid: block.cid.toString(), bytes: block.bytes }
        }
      }
    }
    return writeBackupArchive(this.keys.vaultKey, items())
  }

  static async restore(p: RestoreVaultParameters): Promise<{ restored: number }> {
    return restoreVault(p)
  }

  private entry(cid: string): IndexEntry {
    const entry = this.entries.get(cid)
    if (!entry) throw new RecordNotFoundError(cid)
    return entry
  }

  private scopeKey(scope: Scope, epoch: number): SecretKey {
    const id = `${scope}/${epoch}`
    let key = this.scopeKeys.get(id)
    if (!key) this.scopeKeys.set(id, (key = scopeSecretKey(this.keys.preMasterSeed, scope, epoch)))
    return key
  }

  private async seal(
    input: FhirResource,
    source: RecordSource,
    attachment?: AddRecordParameters['attachment'],
    onProgress?: (done: number, total: number) => void,
    provenance?: RecordProvenance,
    fingerprint?: string,
  ): Promise<IndexEntry> {
    const resource = validateResource(input)
    const scope = scopeOfResource(resource)
    const created = this.now().toISOString()
    const epoch = this.currentEpoch(scope)
    const { cid } = await sealRecord(this.blocks, {
      resource,
      ...(attachment ? { attachment: { contentType: attachment.contentType, size: attachment.size, source: attachment.source } } : {}),
      scope,
      epoch,
      scopePublicKey: this.scopeKey(scope, epoch).publicKey(),
      author: (this.signer ??= recordSigner(this.keys.preMasterSeed)),
      created,
      ...(onProgress ? { onProgress: ({ done, total }: { done: number; total: number }) => onProgress(done, total) } : {}),
    })
    const view = describeResource(resource)
    const summary: RecordSummary = {
      cid: cid.toString(),
      scope,
      resourceType: resource.resourceType,
      title: view.title,
      created,
      source,
      searchText: buildSearchText([searchText(resource), resource.resourceType, scopeLabels[scope], attachment?.name]),
    }
    if (view.date) summary.date = view.date
    const fhirRef = fhirRefOf(resource)
    const refs = referencesOf(resource)
    if (fhirRef) summary.fhirRef = fhirRef
    if (refs.length > 0) summary.refs = refs
    if (fingerprint) summary.fingerprint = fingerprint
    if (provenance) summary.provenance = { ...provenance }
    if (attachment) summary.attachment = { name: attachment.name, contentType: attachment.contentType, size: attachment.size }
    return { v: 1, summary, envelopeCid: summary.cid, scope, epoch }
  }

  private open(entry: IndexEntry) {
    return openEnvelope(this.blocks, {
      cid: CID.parse(entry.envelopeCid),
      expectedScope: entry.scope,
      unwrapKey: (capsule: Uint8Array, wrappedKey: Uint8Array) => unwrapDataKey(this.scopeKey(entry.scope, entry.epoch), capsule, wrappedKey),
    })
  }

  private async exportable(cid: string): Promise<FhirResource> {
    const opened = await this.openRecord(cid)
    return exportableResource(opened.resource, opened.attachment)
  }

  private get entries(): ReadonlyMap<string, IndexEntry> {
    return this.index.entries
  }

  /** Index first, memory second: if the store refuses, the vault in memory is unchanged. */
  private async commit(entries: IndexEntry[]): Promise<void> {
    if (entries.length === 0) return
    try {
      await this.index.put(entries)
    } catch (error) {
      // Amend, withdraw and anchoring too: a full disk is StorageFullError, whoever writes.
      throw storageFull(error)
    }
    this.ordered = undefined
    this.sealedEpochs = undefined
  }
}
