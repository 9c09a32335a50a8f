import type { Address, Hex } from 'viem'
import { hasRegistryRole } from '../../chain/hasRegistryRole.ts'
import type { ProviderEntry } from '../../chain/providerEntry.ts'
import { readProvider } from '../../chain/readProvider.ts'
import {
  AccessRequestRefusedError,
  checkAccessRequest,
  decodeAccessRequest,
  type AccessRequest,
  type AccessRequestDomain,
} from '../../core/careLoop/accessRequest.ts'
import { requestMailboxKey } from '../../core/careLoop/requestMailboxKey.ts'
import { careLoopDomains, openSealed, SealedPayloadError } from '../../core/careLoop/sealedPayload.ts'
import type { MailboxAccess } from './mailboxAccess.ts'

/** A request that passed every check, with the doctor's directory entry as the chain holds it now. */
export type VerifiedAccessRequest = {
  /** The request's nonce. */
  id: Hex
  request: AccessRequest
  signature: Hex
  doctor: ProviderEntry
  /** Unix seconds. */
  receivedAt: number
}

export type CollectAccessRequestsParameters = {
  preMasterSeed: Uint8Array
  /** Which request code (requestMailboxKey rotation). */
  rotation?: number
  mailbox: Pick<MailboxAccess, 'take' | 'ack'>
  publicClient: Parameters<typeof readProvider>[0]
  domain: AccessRequestDomain
  /** Nonces of requests kept or answered before: a second copy is a replay. */
  seen(nonce: Hex): boolean
  /** Keeps what was taken (the patient's app stores it) before the entries are acknowledged; throwing leaves them on the care nodes. */
  keep?(result: CollectAccessRequestsReturnType): void | Promise<void>
  /** Unix seconds; defaults to now. */
  now?: number
  signal?: AbortSignal
}

export type CollectAccessRequestsReturnType = {
  requests: VerifiedAccessRequest[]
  /** Entries set aside (and removed from the mailbox), each with why. */
  refused: AccessRequestRefusedError[]
}

/**
 * The patient takes the requests waiting in their request mailbox: each is opened,
 * decoded strictly, checked (meant for this code, signed by the doctor it names, recent,
 * not a replay) and its signer must hold DOCTOR in the Registry now with an active
 * directory entry. Accepted and refused entries are acknowledged (removed from the care
 * nodes) once `keep` has them; an entry whose doctor could not be read from the chain
 * stays for the next collection.
 */
export async function collectAccessRequests(parameters: CollectAccessRequestsParameters): Promise<CollectAccessRequestsReturnType> {
  const { preMasterSeed, rotation = 0, mailbox, publicClient, domain, seen, signal } = parameters
  const now = parameters.now ?? Math.floor(Date.now() / 1000)
  const key = requestMailboxKey(preMasterSeed, rotation)
  const publicKey = key.publicKey()
  const to = publicKey.toCompressedBytes()
  publicKey.free()
  const owner = { secretKey: key }
  const requests: VerifiedAccessRequest[] = []
  const refused: AccessRequestRefusedError[] = []
  const done: string[] = []
  const thisRound = new Set<string>()
  try {
    const entries = await mailbox.take(owner, { signal })
    for (const entry of entries) {
      signal?.throwIfAborted()
      try {
        let plaintext: Uint8Array | undefined
        try {
          plaintext = openSealed(key, careLoopDomains.accessRequest, entry.payload)
        } catch (error) {
          if (error instanceof SealedPayloadError) throw new AccessRequestRefusedError('malformed', 'not a sealed message', { cause: error })
          throw error
        }
        // Only requests are sealed to this code: anything else is set aside.
        if (!plaintext) throw new AccessRequestRefusedError('malformed', 'not sealed to this request code as a request')
        const signed = decodeAccessRequest(plaintext)
        await checkAccessRequest(signed, { ...domain, to, now, seen: (nonce) => seen(nonce) || thisRound.has(nonce) })
        const doctor = await certifiedDoctor(publicClient, domain.registry, signed.request.doctor)
        if (!doctor) throw new AccessRequestRefusedError('not-a-doctor', `${signed.request.doctor} holds no DOCTOR role or no active entry`)
        thisRound.add(signed.request.nonce)
        requests.push({ id: signed.request.nonce, request: signed.request, signature: signed.signature, doctor, receivedAt: now })
        done.push(entry.id)
      } catch (error) {
        if (!(error instanceof AccessRequestRefusedError)) {
          // The chain could not be read: keep the entry for the next try.
          console.warn('Salus: an access request could not be checked now', error)
          continue
        }
        refused.push(error)
        done.push(entry.id)
      }
    }
    if (done.length > 0) {
      await parameters.keep?.({ requests, refused })
      await mailbox.ack(owner, done, { signal })
    }
  } finally {
    key.free()
  }
  return { requests, refused }
}

/** The account's directory entry when it is a certified doctor now (role held, entry active), else undefined. */
async function certifiedDoctor(publicClient: CollectAccessRequestsParameters['publicClient'], registry: Address, account: Address): Promise<ProviderEntry | undefined> {
  const [isDoctor, entry] = await Promise.all([hasRegistryRole(publicClient, { registry, role: 'doctor', account }), readProvider(publicClient, { registry, account })])
  return isDoctor && entry && entry.active && entry.role === 'doctor' ? entry : undefined
}
