import type { Address, Hex } from 'viem'
import { hexToBytes } from 'viem'
import { grantMailboxKey } from '../../core/careLoop/mailboxKeys.ts'
import { sealWriteBackAnswer, type InboxItem, type WriteBackAnswerStatus } from '../../core/careLoop/writeBack.ts'
import { SalusError } from '../../errors/salusError.ts'
import { ackMailboxEntries, postToMailbox, takeFromMailbox, type MailboxNode } from '../../p2p/mailboxClient.ts'
import type { PatientGrant } from '../consent/findPatientGrants.ts'
import { checkCancelled, silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import { mapLimited } from '../consent/mapLimited.ts'
import { receiveWriteBack, type InboxContext } from './receiveWriteBack.ts'

/** An item that was set aside: where it came from and why (the error's shortMessage says it to the patient). */
export type InboxRefusal = { source: 'mailbox' | 'online'; grantId?: bigint; error: SalusError }

export type CollectInboxParameters = InboxContext & {
  node: MailboxNode
  careNodes: readonly string[]
  grants: readonly Pick<PatientGrant, 'grantId' | 'grantee' | 'grantIndex' | 'scopes'>[]
  /** Sealed items that arrived online (/salus/deliver, kind write-back) since the last collection. */
  arrived?: readonly { item: Uint8Array; receivedAt: number }[]
  /** Ids already in the inbox or vault: not returned again (their mailbox copies are still acked). */
  known?: ReadonlySet<string>
  /**
   * Stores the new items (the inbox's IndexedDB); awaited before the mailbox entries are
   * deleted, so an item is never only in memory. Without it, nothing is deleted from the
   * mailboxes (the next collection finds the same entries; `known` leaves them out).
   */
  keep?: (items: readonly InboxItem[]) => Promise<void>
  /** The doctor's receiving key (the directory's umbralPublicKey), for the `delivered` answer; none is sent when undefined. */
  doctorKey?: (account: Address) => Promise<Hex | undefined>
  onRefused?: (refusal: InboxRefusal) => void
  /** Steps: 0 mailboxes, 1 checks, 2 stored and acknowledged. */
  progress?: FlowProgress
  signal?: AbortSignal
}

/**
 * The patient's inbox collection: takes every grant's mailbox on the care nodes (one
 * signed take per grant's key and node), adds what arrived online, opens and checks each
 * item (receiveWriteBack), drops duplicates, keeps the new ones, then deletes their
 * mailbox entries (and those of refused items) and tells each doctor `delivered`.
 * Returns the new items, oldest first.
 */
export async function collectInbox(parameters: CollectInboxParameters): Promise<InboxItem[]> {
  const { node, careNodes, grants, keys, deployment, signal } = parameters
  const progress = parameters.progress ?? silentProgress
  const options = signal ? { signal } : {}

  progress.begin(0)
  const mailboxes = await mapLimited(grants, 4, async (grant) => {
    const secretKey = grantMailboxKey(keys.preMasterSeed, { chainId: deployment.chainId, consent: deployment.consent, grantee: grant.grantee, grantIndex: grant.grantIndex })
    try {
      const entries = await takeFromMailbox(node, careNodes, { secretKey }, options)
      return { grant, entries }
    } catch (error) {
      if (signal?.aborted) throw error
      parameters.onRefused?.({ source: 'mailbox', grantId: grant.grantId, error: asSalusError(error) })
      return { grant, entries: [] }
    } finally {
      secretKey.free()
    }
  })
  const total = mailboxes.reduce((sum, m) => sum + m.entries.length, 0) + (parameters.arrived?.length ?? 0)
  progress.detail(0, `${total} waiting`)
  progress.finish(0)
  checkCancelled(signal)

  progress.begin(1)
  const found = new Map<string, InboxItem>()
  const toAck = new Map<bigint, string[]>()
  let checked = 0
  const check = async (item: Uint8Array, receivedAt: number, source: InboxRefusal['source'], grant?: (typeof grants)[number]): Promise<InboxItem | undefined> => {
    try {
      return await receiveWriteBack(parameters, item, receivedAt, grant?.scopes ?? [])
    } catch (error) {
      parameters.onRefused?.({ source, ...(grant ? { grantId: grant.grantId } : {}), error: asSalusError(error) })
      return undefined
    } finally {
      progress.detail(1, `${++checked} of ${total}`)
    }
  }
  const now = Date.now()
  for (const { grant, entries } of mailboxes) {
    for (const entry of entries) {
      checkCancelled(signal)
      const item = await check(entry.payload, now, 'mailbox', grant)
      // Refused items are deleted too: they would be refused again.
      toAck.set(grant.grantId, [...(toAck.get(grant.grantId) ?? []), entry.id])
      if (item && !parameters.known?.has(item.id) && !found.has(item.id)) found.set(item.id, item)
    }
  }
  for (const { item: bytes, receivedAt } of parameters.arrived ?? []) {
    checkCancelled(signal)
    const item = await check(bytes, receivedAt, 'online')
    if (item && !parameters.known?.has(item.id) && !found.has(item.id)) found.set(item.id, item)
  }
  progress.finish(1)

  progress.begin(2)
  const items = [...found.values()].sort((a, b) => a.signedAt - b.signedAt || a.id.localeCompare(b.id))
  if (parameters.keep) {
    await parameters.keep(items)
    await mapLimited([...toAck], 4, async ([grantId, ids]) => {
      const grant = grants.find((g) => g.grantId === grantId)!
      const secretKey = grantMailboxKey(keys.preMasterSeed, { chainId: deployment.chainId, consent: deployment.consent, grantee: grant.grantee, grantIndex: grant.grantIndex })
      try {
        await ackMailboxEntries(node, careNodes, { secretKey, ids }, options)
      } catch {
        // Left on the care nodes: the next collection finds them again and `known` drops them.
      } finally {
        secretKey.free()
      }
    })
  }
  if (parameters.doctorKey) {
    const byGrant = new Map<bigint, InboxItem[]>()
    for (const item of items) byGrant.set(item.grantId, [...(byGrant.get(item.grantId) ?? []), item])
    await mapLimited([...byGrant], 4, async ([grantId, received]) => {
      const grant = grants.find((g) => g.grantId === grantId)
      if (!grant) return
      await answerGrant(parameters, grant, received.map((item) => ({ itemId: item.id, status: 'delivered' }))).catch(() => {
        // The doctor sees `sent` until an answer arrives; accepting or declining answers again.
      })
    })
  }
  progress.finish(2)
  return items
}

/** Seals the statuses of one grant's items to the grant's doctor and leaves them in the doctor's mailbox. */
export async function answerGrant(
  parameters: Pick<CollectInboxParameters, 'node' | 'careNodes' | 'keys' | 'deployment' | 'doctorKey' | 'signal' | 'now'>,
  grant: Pick<PatientGrant, 'grantId' | 'grantee' | 'grantIndex'>,
  statuses: WriteBackAnswerStatus[],
): Promise<void> {
  const doctorKey = await parameters.doctorKey?.(grant.grantee)
  if (!doctorKey) throw new AnswerNotSentError(`${grant.grantee} has no receiving key in the directory`)
  const { keys, deployment } = parameters
  const mailboxKey = grantMailboxKey(keys.preMasterSeed, { chainId: deployment.chainId, consent: deployment.consent, grantee: grant.grantee, grantIndex: grant.grantIndex })
  try {
    const at = Math.floor((parameters.now?.() ?? Date.now()) / 1000)
    const payload = sealWriteBackAnswer({ grantId: grant.grantId, statuses, at }, { doctorKey: hexToBytes(doctorKey), mailboxKey })
    await postToMailbox(parameters.node, parameters.careNodes, { to: hexToBytes(doctorKey), payload }, parameters.signal ? { signal: parameters.signal } : {})
  } finally {
    mailboxKey.free()
  }
}

/** The doctor could not be told (no key in the directory, or no care node took the answer). */
export class AnswerNotSentError extends SalusError {
  override name = 'AnswerNotSentError' as const
  constructor(details: string, parameters: { cause?: unknown } = {}) {
    super('Your answer could not be sent to the doctor. Check your connection and try again.', { ...parameters, details })
  }
}

function asSalusError(error: unknown): SalusError {
  return error instanceof SalusError ? error : new SalusError('An item could not be read. Try again later.', { cause: error })
}
