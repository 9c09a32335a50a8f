import { CID } from 'multiformats/cid'
import type { BlockAccess } from '../../core/blocks.ts'
import { buildManifest, type SignedHead } from '../../core/consent/scopeManifest.ts'
import type { Scope } from '../../core/scopes.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import { recordSigner } from '../../crypto/umbral.ts'
import { scopeSecretKey } from '../../core/keys/scopeSecretKey.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { HeadRequestError } from '../../p2p/headProtocol.ts'
import { publishHead } from '../../p2p/requestHead.ts'
import { requestPin } from '../../p2p/requestPin.ts'
import { CareNodesUnavailableError } from './flowErrors.ts'

export type PublishScopeManifestsParameters = {
  node: SalusNode
  blocks: BlockAccess
  preMasterSeed: Uint8Array
  records: readonly RecordSummary[]
  scopes: readonly Scope[]
  /** The scope's current key epoch (vault.currentEpoch): the manifest is sealed to it, so a grant without it cannot list. */
  epochOf: (scope: Scope) => number
  /** Care nodes' multiaddrs (with /p2p/): they keep the ciphertext and the newest heads while the patient is offline. */
  careNodes: readonly string[]
  /** Other blocks to replicate with the records (the key-fragment bundle). */
  extraCids?: readonly CID[]
  /** At least this many care nodes must take everything (the grant's threshold). */
  required: number
  onProgress?: (done: number, total: number) => void
}

const pinBatch = 500
let lastSeq = 0

/** Wall-clock milliseconds, strictly increasing: heads need no stored counter and never go back. */
function nextSeq(): number {
  lastSeq = Math.max(Date.now(), lastSeq + 1)
  return lastSeq
}

/**
 * Per scope, a manifest of every record the vault holds in it, signed by the patient;
 * then the records, manifests and bundle are pinned on the care nodes and the new
 * heads pushed to them. Returns the heads.
 */
export async function publishScopeManifests(parameters: PublishScopeManifestsParameters): Promise<SignedHead[]> {
  const { node, blocks, preMasterSeed, records, scopes, epochOf, careNodes, extraCids = [], required, onProgress } = parameters
  const author = recordSigner(preMasterSeed)
  const heads: SignedHead[] = []
  const cids: CID[] = [...extraCids]
  for (const scope of scopes) {
    const entries = records.filter((record) => record.scope === scope).map((record) => CID.parse(record.cid))
    const epoch = epochOf(scope)
    const key = scopeSecretKey(preMasterSeed, scope, epoch)
    const scopePublicKey = key.publicKey()
    try {
      const built = await buildManifest(blocks, { scope, epoch, seq: nextSeq(), entries, scopePublicKey, author })
      heads.push(built.head)
      cids.push(...entries, built.cid)
    } finally {
      scopePublicKey.free()
      key.free()
    }
  }
  const unique = [...new Map(cids.map((cid) => [cid.toString(), cid])).values()]
  const batches = Math.ceil(unique.length / pinBatch)
  const total = careNodes.length * (batches + heads.length)
  let done = 0
  onProgress?.(done, total)
  const results = await Promise.allSettled(
    careNodes.map(async (careNode) => {
      for (let start = 0; start < unique.length; start += pinBatch) {
        await requestPin(node, { careNode, cids: unique.slice(start, start + pinBatch), timeoutMs: 120_000, identitySeed: preMasterSeed })
        onProgress?.(++done, total)
      }
      for (const head of heads) {
        try {
          await publishHead(node, { peer: careNode, head, identitySeed: preMasterSeed })
        } catch (error) {
          // A newer head is already there (another tab of this account): nothing to do.
          if (!(error instanceof HeadRequestError && error.code === 'stale-seq')) throw error
        }
        onProgress?.(++done, total)
      }
    }),
  )
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected')
  for (const failure of failures) console.warn('Salus: a care node did not take the shared records', failure.reason)
  if (careNodes.length - failures.length < required) {
    throw new CareNodesUnavailableError(
      `Only ${careNodes.length - failures.length} of ${careNodes.length} care nodes could keep a copy of your records; at least ${required} are needed. Check your connection and try again.`,
      { cause: failures[0]?.reason },
    )
  }
  return heads
}
