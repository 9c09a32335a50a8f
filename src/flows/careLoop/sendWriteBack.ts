import { multiaddr } from '@multiformats/multiaddr'
import type { Address, Hex } from 'viem'
import { prepareWriteBack, sealWriteBack, type PreparedWriteBack } from '../../core/careLoop/writeBack.ts'
import { openGrantContact, type KeyFragmentBundle } from '../../core/consent/keyFragmentBundle.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import { scopeOfResource } from '../../core/fhir/scopeOfResource.ts'
import type { Scope } from '../../core/scopes.ts'
import type { SecretKey } from '../../crypto/umbral.ts'
import { DeliverError } from '../../p2p/deliverProtocol.ts'
import { deliverMessage } from '../../p2p/deliverMessage.ts'
import { postToMailbox, type MailboxNode } from '../../p2p/mailboxClient.ts'
import { checkCancelled, silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import { WriteBackNotPossibleError } from './careLoopFlowErrors.ts'

export type SendWriteBackParameters = {
  node: MailboxNode
  /** Care nodes' multiaddrs (with /p2p/): the patient's relays and mailboxes. */
  careNodes: readonly string[]
  deployment: { chainId: number; consent: Address }
  /** The doctor: their account, and a signer for EIP-712 typed data (the wallet, or a local account). */
  doctor: { account: Address; signTypedData: (typedData: PreparedWriteBack['typedData']) => Promise<Hex> }
  /** The grant the item is written under, and its bundle as the doctor opened it. */
  grant: { grantId: bigint; bundle: KeyFragmentBundle }
  /** The doctor's receiving secret key (opens the patient's contact in the bundle). */
  receivingKey: SecretKey
  resource: FhirResource
  /** Defaults to the resource's scope. */
  scope?: Scope
  replaces?: string
  withdraws?: string
  /** How long to try the patient's browser before the mailbox (default 5 s). */
  onlineTimeoutMs?: number
  /** Steps: 0 sign, 1 seal, 2 to the patient's browser, 3 to the mailbox. */
  progress?: FlowProgress
  signal?: AbortSignal
  now?: () => number
}

export type SendWriteBackReturnType = {
  /** The item's id (what the patient's answers name). */
  id: string
  /** `delivered`: the patient's browser took it; `sent`: it waits in the patient's mailbox on the care nodes. */
  status: 'delivered' | 'sent'
  /** The care nodes that keep a copy in the patient's mailbox (for `delivered` too, unless none took it). */
  storedOn?: string[]
}

/**
 * Signs and seals one item for the patient of a grant, then delivers it straight to the
 * patient's browser over /salus/deliver when it answers within a short time, otherwise
 * leaves it in the patient's mailbox for this grant on the care nodes.
 */
export async function sendWriteBack(parameters: SendWriteBackParameters): Promise<SendWriteBackReturnType> {
  const { node, careNodes, deployment, doctor, grant, receivingKey, resource, signal } = parameters
  const progress = parameters.progress ?? silentProgress
  const scope = parameters.scope ?? scopeOfResource(resource)
  const entry = grant.bundle.scopes.find((s) => s.scope === scope)
  if (!entry) throw WriteBackNotPossibleError.scopeNotGranted(scope)
  const contact = openGrantContact(grant.bundle, receivingKey)
  if (!contact) throw WriteBackNotPossibleError.noContact()
  // The scope's newest epoch in the bundle is the one its records are sealed in now.
  const current = entry.epochs.reduce((a, b) => (b.epoch > a.epoch ? b : a))

  progress.begin(0)
  const signedAt = Math.floor((parameters.now?.() ?? Date.now()) / 1000)
  const prepared = prepareWriteBack(resource, doctor.account, {
    grantId: grant.grantId,
    scope,
    signedAt,
    ...deployment,
    ...(parameters.replaces ? { replaces: parameters.replaces } : {}),
    ...(parameters.withdraws ? { withdraws: parameters.withdraws } : {}),
  })
  const signature = await doctor.signTypedData(prepared.typedData)
  progress.finish(0)
  checkCancelled(signal)

  progress.begin(1)
  const item = sealWriteBack({ prepared, author: doctor.account, signature, delegatingKey: current.delegatingKey, epoch: current.epoch })
  progress.finish(1)
  checkCancelled(signal)

  progress.begin(2)
  if (contact.peerId) {
    // The patient's browser keeps reservations on the care nodes' relays.
    const addresses = careNodes.map((care) => multiaddr(`${care}/p2p-circuit/p2p/${contact.peerId}`))
    try {
      await deliverMessage(node as Parameters<typeof deliverMessage>[0], { peer: addresses, delivery: { v: 1, kind: 'write-back', item }, timeoutMs: parameters.onlineTimeoutMs ?? 5_000 })
      progress.finish(2)
      // The open tab shows it now; the mailbox copy keeps it if that tab closes before the
      // patient answers (the inbox drops the duplicate by id). Best effort: it was delivered.
      progress.begin(3)
      const copy = await postToMailbox(node, careNodes, { to: contact.mailbox, payload: item }, signal ? { signal } : {}).catch(() => undefined)
      progress.finish(3)
      return { id: prepared.id, status: 'delivered', ...(copy ? { storedOn: copy.storedOn } : {}) }
    } catch (error) {
      // The patient's app refused it (its sentence says why): a mailbox copy would be refused the same way.
      if (error instanceof DeliverError && (error.code === 'refused' || error.code === 'too-large' || error.code === 'malformed')) throw error
      // Offline or slow: the mailbox keeps it.
      progress.detail(2, error instanceof Error ? error.message.split('\n')[0]! : 'not reachable')
    }
  }
  progress.finish(2)
  checkCancelled(signal)

  progress.begin(3)
  const posted = await postToMailbox(node, careNodes, { to: contact.mailbox, payload: item }, signal ? { signal } : {})
  progress.finish(3)
  return { id: prepared.id, status: 'sent', storedOn: posted.storedOn }
}
