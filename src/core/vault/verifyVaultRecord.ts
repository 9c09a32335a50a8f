import { CID } from 'multiformats/cid'
import type { BlockAccess } from '../blocks.ts'
import { describeError } from '../../errors/salusError.ts'
import { anchorLeaf, verifyMerkleProof } from '../anchor/merkle.ts'
import { recordBlocks } from './recordBlocks.ts'
import type { IndexEntry } from './indexEntry.ts'
import type { Anchorer, VerifyCheck, VerifyResult } from './types.ts'

export type VerifyVaultRecordParameters = {
  entry: IndexEntry
  blocks: BlockAccess
  anchorer: Anchorer | undefined
  /** Opens the record (signature check and decryption); throws on failure. */
  open: () => Promise<unknown>
}

/**
 * Checks a record from storage to chain: its blocks match their CIDs, its signature
 * and encryption hold, its Merkle proof leads to the anchored root, and that root is
 * on chain. A record not yet anchored fails the anchor check (it has no timestamp proof).
 */
export async function verifyVaultRecord(p: VerifyVaultRecordParameters): Promise<VerifyResult> {
  const checks: VerifyCheck[] = []
  const cid = CID.parse(p.entry.envelopeCid)

  let blockCount = 0
  try {
    for await (const _ of recordBlocks(p.blocks, cid)) blockCount++
    checks.push({ label: 'Stored data unaltered', ok: true, detail: `All ${blockCount} blocks match their content addresses.` })
  } catch (error) {
    checks.push({ label: 'Stored data unaltered', ok: false, detail: describeError(error) })
  }

  try {
    await p.open()
    checks.push({ label: 'Signature and encryption', ok: true, detail: 'Your signature is valid and the record decrypts.' })
  } catch (error) {
    checks.push({ label: 'Signature and encryption', ok: false, detail: describeError(error) })
  }

  const anchor = p.entry.summary.anchor
  if (!anchor) {
    checks.push({ label: 'Anchored on chain', ok: false, detail: 'Not anchored yet: anchor your new records to get a tamper-proof timestamp.' })
    return { ok: false, checks }
  }

  const leaf = anchorLeaf(cid, anchor.salt)
  const proofOk = leaf === anchor.leaf.toLowerCase() && verifyMerkleProof(leaf, anchor.proof, anchor.root)
  checks.push({
    label: 'Included in anchored batch',
    ok: proofOk,
    detail: proofOk
      ? `The record is part of batch ${anchor.batchId} (Merkle proof of ${anchor.proof.length} steps).`
      : 'The saved anchor proof does not match this record.',
  })

  checks.push(await chainCheck(p.anchorer, anchor))
  return { ok: checks.every((c) => c.ok), checks }
}

async function chainCheck(anchorer: Anchorer | undefined, anchor: NonNullable<IndexEntry['summary']['anchor']>): Promise<VerifyCheck> {
  const label = 'Root recorded on chain'
  if (!anchorer) return { label, ok: false, detail: 'Not connected to the blockchain, so the anchor could not be checked.' }
  if (anchorer.chainId !== anchor.chainId || anchorer.contract.toLowerCase() !== anchor.contract.toLowerCase()) {
    return { label, ok: false, detail: `Anchored on chain ${anchor.chainId}, but connected to chain ${anchorer.chainId}; switch network to check it.` }
  }
  try {
    const onChain = await anchorer.readRoot(anchor.batchId)
    if (!onChain) return { label, ok: false, detail: `Batch ${anchor.batchId} is not on chain (the chain may have been reset).` }
    if (onChain.root.toLowerCase() !== anchor.root.toLowerCase()) {
      return { label, ok: false, detail: `The root on chain for batch ${anchor.batchId} differs from the saved one.` }
    }
    return { label, ok: true, detail: `Anchored ${new Date(onChain.timestamp * 1000).toISOString()} in block ${anchor.blockNumber}.` }
  } catch (error) {
    return { label, ok: false, detail: `The chain could not be read: ${describeError(error)}` }
  }
}
