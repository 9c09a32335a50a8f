import type { Address, Hex } from 'viem'
import type { Scope } from '../scopes.ts'
import type { SalusKeys } from '../keys/deriveKeys.ts'
import type { BlockAccess } from '../blocks.ts'
import type { FhirResource } from '../fhir/fhirTypes.ts'
import type { describeResource } from '../fhir/describeResource.ts'
import type { RecordProvenance } from './provenance.ts'

/** Where a record came from: typed in a form, imported from a file, restored from a backup, or sent by a provider. */
export type RecordSource = 'form' | 'import' | 'restore' | 'provider'

/** Proof that a record's envelope CID was part of a Merkle root anchored on chain. */
export interface AnchorInfo {
  chainId: number
  contract: Address
  batchId: string
  root: Hex
  leaf: Hex
  /** The record's anchor salt (leaf = keccak256(salt || CID)); absent on anchors made before salting. */
  salt?: Hex
  proof: Hex[]
  txHash: Hex
  blockNumber: string
  timestamp: number
}

export interface AttachmentSummary {
  name: string
  contentType: string
  size: number
}

/** What the vault keeps in memory about one record: enough to list, search and show it without decrypting. */
export interface RecordSummary {
  /** The envelope CID (the record's identity). */
  cid: string
  scope: Scope
  resourceType: string
  title: string
  /** Clinical date (ISO), when the resource has one. */
  date?: string
  /** When the record entered the vault (ISO). */
  created: string
  source: RecordSource
  attachment?: AttachmentSummary
  anchor?: AnchorInfo
  /** Lower-case words of title, type and fields, precomputed for search. */
  searchText: string
  /** Set on records a provider signed and the patient accepted from the inbox. */
  provenance?: RecordProvenance
  /** The first version's CID, on every later version (a record's history shares it). */
  versionOf?: string
  /** The CID of the version this one replaced. */
  replaces?: string
  /** Absent while the version is current. */
  status?: RecordStatus
  /** "Type/id" of the stored resource, when it has an id: what other records' references name. */
  fhirRef?: string
  /** The records it points to ("Type/id" or `urn:uuid:…`): an encounter, a claim's prescription. */
  refs?: string[]
  /** The resource's import fingerprint (same record imported twice => same value); filled lazily for older records. */
  fingerprint?: string
}

/** Who changed a record: the patient, or the provider account whose item amended or withdrew it. */
export type RecordActor = 'patient' | Address

/** Why a version is no longer current. The old version keeps its envelope and anchor, so it still verifies. */
export interface RecordStatus {
  state: 'superseded' | 'withdrawn'
  /** ISO time of the change. */
  at: string
  by: RecordActor
  /** For superseded: the CID of the version that replaced it. */
  replacedBy?: string
  reason?: string
}

/** Chain side of anchoring, injected so core stays free of viem clients (see src/chain/chainAnchorer.ts). */
export interface Anchorer {
  chainId: number
  contract: Address
  anchor(root: Hex, count: number): Promise<{ batchId: string; txHash: Hex; blockNumber: string; timestamp: number }>
  readRoot(batchId: string): Promise<{ root: Hex; timestamp: number } | undefined>
}

/** Persistent store of sealed index rows (src/store/idbRecordIndex.ts in the browser, memoryRecordIndex in tests). */
export interface RecordIndexStore {
  loadAll(): Promise<Uint8Array[]>
  /** One atomic transaction: either every row is written or none. Rows with an existing cid replace it. */
  putMany(rows: { cid: string; sealed: Uint8Array }[]): Promise<void>
  clear(): Promise<void>
  /** One atomic transaction: every row is removed and these written, or nothing changes (key rotation). */
  replaceAll?(rows: { cid: string; sealed: Uint8Array }[]): Promise<void>
  /**
   * Read-then-write in one transaction that no other writer (another tab of the account)
   * can interleave with: `change` reads the rows it needs and returns the rows to write.
   * `change` may await only `tx` calls (IndexedDB ends a transaction that waits on
   * anything else). If `change` throws, nothing is written. Without it, writes are blind.
   */
  update?<T>(change: (tx: IndexRowReader) => Promise<{ rows: IndexRow[]; result: T }>): Promise<T>
  /** Calls `listener` when another tab of the account changed the rows; returns the unsubscribe. */
  watch?(listener: () => void): () => void
}

export type IndexRow = { cid: string; sealed: Uint8Array }

/** Reads inside a RecordIndexStore.update transaction. */
export interface IndexRowReader {
  keys(): Promise<string[]>
  get(key: string): Promise<Uint8Array | undefined>
}

export type VerifyCheck = { label: string; ok: boolean; detail: string }
export type VerifyResult = { ok: boolean; checks: VerifyCheck[] }

export type ProgressCallback = (done: number, total: number) => void

export interface OpenVaultParameters {
  keys: SalusKeys
  blocks: BlockAccess
  index: RecordIndexStore
  anchorer?: Anchorer
  now?: () => Date
}

export interface AddRecordParameters {
  resource: FhirResource
  attachment?: AttachmentSummary & { source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> }
  source: RecordSource
  /** For a provider's item accepted from the inbox; the source is then 'provider'. */
  provenance?: RecordProvenance
  onProgress?: ProgressCallback
}

export interface AmendRecordParameters extends Omit<AddRecordParameters, 'source'> {
  /** The version being replaced; it must be current. */
  cid: string
  by: RecordActor
  reason?: string
}

export interface WithdrawRecordParameters {
  cid: string
  by: RecordActor
  reason?: string
}

export interface ImportRecordsParameters {
  records: readonly { resource: FhirResource; fingerprint: string }[]
  signal?: AbortSignal
  /** Records sealed so far, of all. */
  onProgress?: ProgressCallback
}

export interface OpenedRecord {
  summary: RecordSummary
  resource: FhirResource
  view: ReturnType<typeof describeResource>
  attachment?: AttachmentSummary & { read(): AsyncIterable<Uint8Array> }
}

export interface RestoreVaultParameters {
  keys: SalusKeys
  blocks: BlockAccess
  index: RecordIndexStore
  anchorer?: Anchorer
  archive: AsyncIterable<Uint8Array> | Uint8Array
}
