import type { Address } from 'viem'
import { hasRegistryRole } from '../../chain/hasRegistryRole.ts'
import type { RecordProvenance } from '../../core/vault/provenance.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import type { Vault } from '../../core/vault/Vault.ts'
import { InboxItemUnverifiedError, InboxTargetMissingError } from './inboxErrors.ts'
import type { InboxItem, InboxSource } from './inboxItem.ts'
import { verifyProvenance, type ProvenanceChain, type ProvenanceVerdict } from './verifyProvenance.ts'

export type AcceptInboxItemParameters = {
  vault: Vault
  item: InboxItem
  chain: ProvenanceChain & { chainId: number; consent: Address }
  /** Tells the doctor (part mailbox's answerWriteBack); a failure here does not undo the acceptance. */
  answer: InboxSource['answer']
  now?: () => Date
}

export type AcceptInboxItemReturnType = {
  /** The new current version (for a withdraw: the withdrawn record). */
  summary: RecordSummary
  verdict: ProvenanceVerdict
  /** False when the doctor could not be told yet (the record is in the vault anyway). */
  answered: boolean
}

/**
 * The patient accepts a doctor's item: its signature must recover to the doctor, who
 * must have been a certified doctor when signing and still be one now. Then it joins
 * the vault with its provenance (a new record, an amendment of the doctor's earlier
 * item, or its withdrawal), and the doctor is told. Anchoring follows with the next batch.
 */
export async function acceptInboxItem(p: AcceptInboxItemParameters): Promise<AcceptInboxItemReturnType> {
  const { vault, item, chain } = p
  const now = p.now ?? (() => new Date())
  const provenance: RecordProvenance = {
    author: item.from,
    signature: item.signature,
    signedAt: item.signedAt,
    chainId: chain.chainId,
    consent: chain.consent,
    grantId: item.grantId.toString(),
    scope: item.scope,
    itemId: item.id,
    acceptedAt: now().toISOString(),
    ...(item.replaces ? { replaces: item.replaces } : {}),
    ...(item.withdraws ? { withdraws: item.withdraws } : {}),
  }
  const verdict = await verifyProvenance({ resource: item.resource, provenance }, chain)
  if (!verdict.verified) throw new InboxItemUnverifiedError(verdict.detail)
  if (!(await hasRegistryRole(chain.client, { registry: chain.registry, role: 'doctor', account: item.from }))) {
    throw new InboxItemUnverifiedError(`${verdict.authorName ?? item.from} is no longer a certified doctor.`)
  }

  let summary: RecordSummary
  const target = item.withdraws ?? item.replaces
  if (target !== undefined) {
    const earlier = vault.findByItem(target)
    if (!earlier) throw new InboxTargetMissingError(target)
    // A later version of the same record is the one to change (the doctor names the item they sent).
    const current = vault.history(earlier.cid).at(-1)!
    summary = item.withdraws
      ? await vault.withdrawRecord({ cid: current.cid, by: item.from })
      : await vault.amendRecord({ cid: current.cid, resource: item.resource, provenance, by: item.from })
  } else {
    summary = await vault.addRecord({ resource: item.resource, source: 'provider', provenance })
  }

  let answered = true
  try {
    await p.answer(item, { outcome: 'accepted' })
  } catch {
    answered = false
  }
  return { summary, verdict, answered }
}
