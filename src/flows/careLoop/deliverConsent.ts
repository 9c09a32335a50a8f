import { multiaddr } from '@multiformats/multiaddr'
import { hexToBytes, type Hex } from 'viem'
import { careLoopDomains, sealToAddress } from '../../core/careLoop/sealedPayload.ts'
import { deliverMessage } from '../../p2p/deliverMessage.ts'
import { parseDelivery, type ConsentDelivery } from '../../p2p/deliverProtocol.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import type { MailboxAccess } from './mailboxAccess.ts'

/** A consent waits in the doctor's mailbox this long (the doctor accepts it on chain when they next sign in). */
export const consentMailboxTtlSeconds = 30 * 24 * 60 * 60

export type DeliverConsentParameters = {
  node: Pick<SalusNode, 'libp2p'>
  /** The doctor as the directory lists them now. */
  doctor: { multiaddrs: readonly string[]; umbralPublicKey: Hex }
  delivery: ConsentDelivery
  mailbox: Pick<MailboxAccess, 'post'>
  timeoutMs?: number
  signal?: AbortSignal
}

/** 'delivered': the doctor's browser took it now; 'mailbox': it waits, sealed to the doctor, on the care nodes. */
export type DeliverConsentReturnType = { via: 'delivered' | 'mailbox'; directError?: unknown }

/**
 * Hands a consent to the doctor: straight to their browser over /salus/deliver when it
 * answers, otherwise sealed to the doctor's registered receiving key in their mailbox,
 * which their app empties at sign-in. A refusal by the doctor's app (a bad consent) is
 * not retried through the mailbox: it throws.
 */
export async function deliverConsent(parameters: DeliverConsentParameters): Promise<DeliverConsentReturnType> {
  const { node, doctor, mailbox, timeoutMs = 15_000, signal } = parameters
  const delivery = parseDelivery(parameters.delivery) as ConsentDelivery
  let directError: unknown
  const addresses = doctor.multiaddrs.filter((address) => address.includes('/p2p/'))
  if (addresses.length > 0) {
    try {
      await deliverMessage(node, { peer: addresses.map((address) => multiaddr(address)), delivery, timeoutMs })
      return { via: 'delivered' }
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'refused') throw error
      directError = error
    }
  }
  signal?.throwIfAborted()
  const to = hexToBytes(doctor.umbralPublicKey)
  const payload = sealToAddress(to, careLoopDomains.consent, new TextEncoder().encode(JSON.stringify(delivery)))
  await mailbox.post({ to, payload, ttlSeconds: consentMailboxTtlSeconds }, { signal })
  return { via: 'mailbox', directError }
}
