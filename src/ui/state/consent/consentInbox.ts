import { isAddressEqual, type Address } from 'viem'
import type { VerificationKey } from 'snarkjs'
import { SalusError } from '../../../errors/salusError.ts'
import { parseDelivery, type ConsentDelivery, type Delivery } from '../../../p2p/deliverProtocol.ts'
import { verifyConsentProof } from '../../../zk/verifyConsentProof.ts'

/** A consent a patient delivered; `grantId` is set once the doctor recorded it on chain. */
export type IncomingConsent = {
  /** The key-fragment bundle CID: unique per consent. */
  id: string
  delivery: ConsentDelivery
  /** Peer id it came from. */
  from: string
  /** ISO time of arrival. */
  received: string
  grantId?: string
}

const maxItems = 500
const storageKey = (account: string) => `salus:${account.toLowerCase()}:consent-inbox`

/**
 * The doctor's inbox in localStorage, namespaced by account (two tabs can be two users).
 * Stored items are re-validated on load like any peer message; bad ones are dropped.
 */
export function loadConsentInbox(account: string, storage: Pick<Storage, 'getItem'> = localStorage): IncomingConsent[] {
  let raw: unknown
  try {
    raw = JSON.parse(storage.getItem(storageKey(account)) ?? '[]')
  } catch {
    return []
  }
  if (!Array.isArray(raw)) return []
  const items: IncomingConsent[] = []
  for (const value of raw.slice(0, maxItems)) {
    try {
      const item = value as Record<string, unknown>
      const delivery = parseDelivery(item.delivery)
      if (delivery.kind !== 'consent' || typeof item.from !== 'string' || typeof item.received !== 'string') continue
      const grantId = typeof item.grantId === 'string' && /^\d{1,78}$/.test(item.grantId) ? item.grantId : undefined
      items.push({ id: delivery.grant.bundleCid, delivery, from: item.from.slice(0, 128), received: item.received.slice(0, 40), ...(grantId ? { grantId } : {}) })
    } catch {
      // One damaged entry must not lose the others.
    }
  }
  return items
}

export function saveConsentInbox(account: string, items: readonly IncomingConsent[], storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(storageKey(account), JSON.stringify(items.slice(0, maxItems)))
}

/** What the doctor's inbox checks a delivery against: who this doctor is, and the deployment and key the proof must fit. */
export type ConsentInboxCheck = {
  account: Address
  chainId: number
  consent: Address
  /** public/zk/consent.vkey.json */
  vkey(): Promise<VerificationKey>
}

/**
 * The doctor's inbox code path for one delivery from a peer: the inbox with it added,
 * `undefined` when it is there already. Throws ConsentRefusedError (the sender sees
 * 'refused' and the reason) when it is not a consent for this doctor, or when its proof
 * does not verify for exactly the delivered grant on this chain and Consent contract:
 * nothing unproven is kept or shown.
 */
export async function receiveConsent(
  inbox: readonly IncomingConsent[],
  delivery: Delivery,
  from: string,
  check: ConsentInboxCheck,
): Promise<IncomingConsent[] | undefined> {
  if (delivery.kind !== 'consent') throw new ConsentRefusedError('Only consents are accepted here.')
  if (!isAddressEqual(delivery.grant.grantee, check.account)) throw new ConsentRefusedError('This consent names another doctor.')
  const id = delivery.grant.bundleCid
  if (inbox.some((item) => item.id === id)) return undefined
  const { grant } = delivery
  const verdict = await verifyConsentProof(await check.vkey(), {
    chainId: check.chainId,
    consent: check.consent,
    terms: { ...grant, proxiesHash: BigInt(grant.proxiesHash) },
    pseudonym: BigInt(delivery.pseudonym),
    proof: delivery.proof.map((word) => BigInt(word)),
  })
  if (!verdict.ok) throw new ConsentRefusedError(`This consent was refused. ${verdict.reason}`)
  return [{ id, delivery, from, received: new Date().toISOString() }, ...inbox]
}

/** A delivered consent the doctor's inbox does not keep; the sentence says why (and goes back to the sender). */
export class ConsentRefusedError extends SalusError {
  override name = 'ConsentRefusedError' as const
}
