import type { SalusKeys } from '../keys/deriveKeys.ts'
import type { BlockAccess } from '../blocks.ts'
import type {
  AddRecordParameters,
  AnchorInfo,
  Anchorer,
  ImportFhirParameters,
  ImportFhirResult,
  OpenVaultParameters,
  OpenedRecord,
  RecordIndexStore,
  RecordSummary,
  RestoreVaultParameters,
  VerifyResult,
} from './types.ts'

/**
 * The patient's vault: records, the encrypted local index, anchoring, verification
 * and backup. Framework-free; storage and chain are injected.
 * (Skeleton: API fixed, implementation in progress.)
 */
export class Vault {
  private constructor(
    private readonly keys: SalusKeys,
    private readonly blocks: BlockAccess,
    private readonly index: RecordIndexStore,
    private readonly anchorer: Anchorer | undefined,
    private readonly now: () => Date,
  ) {}

  static async open(p: OpenVaultParameters): Promise<Vault> {
    return new Vault(p.keys, p.blocks, p.index, p.anchorer, p.now ?? (() => new Date()))
  }

  /** Newest clinical date first. */
  list(): readonly RecordSummary[] {
    return []
  }

  /** Every word of the query must appear in the record's searchText. */
  search(_query: string): RecordSummary[] {
    return []
  }

  async addRecord(_p: AddRecordParameters): Promise<RecordSummary> {
    throw new Error('not implemented')
  }

  async importFhir(_p: ImportFhirParameters): Promise<ImportFhirResult> {
    throw new Error('not implemented')
  }

  async openRecord(_cid: string): Promise<OpenedRecord> {
    throw new Error('not implemented')
  }

  async exportRecord(_cid: string): Promise<string> {
    throw new Error('not implemented')
  }

  async exportAll(): Promise<string> {
    throw new Error('not implemented')
  }

  pendingAnchors(): number {
    return 0
  }

  async anchorPending(): Promise<AnchorInfo | undefined> {
    throw new Error('not implemented')
  }

  async verifyRecord(_cid: string): Promise<VerifyResult> {
    throw new Error('not implemented')
  }

  async *backup(): AsyncIterable<Uint8Array> {
    throw new Error('not implemented')
  }

  static async restore(_p: RestoreVaultParameters): Promise<{ restored: number }> {
    throw new Error('not implemented')
  }
}
