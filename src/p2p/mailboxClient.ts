import type { Libp2p } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { Signer, signBytes, type SecretKey } from '../crypto/umbral.ts'
import { messageStream } from './messages.ts'
import {
  MailboxError,
  mailboxAuthMessage,
  mailboxProtocol,
  maxAckIds,
  maxMailboxMessageBytes,
  maxMailboxPayloadBytes,
  maxMailboxTtlSeconds,
  newMailboxNonce,
  parseMailboxResponse,
  type MailboxRequest,
  type MailboxResponse,
} from './mailboxProtocol.ts'
import { PeerMessageError } from './p2pErrors.ts'

export type MailboxNode = { libp2p: Pick<Libp2p, 'dialProtocol'> }

export type MailboxOptions = {
  signal?: AbortSignal
  /** Per care node, the whole exchange. */
  timeoutMs?: number
}

/** One entry as its owner takes it: the sealed payload, and the care nodes that hold it. */
export type MailboxEntry = {
  id: string
  payload: Uint8Array
  /** Unix seconds. */
  postedAt: number
  expires: number
  /** Peer ids of the care nodes that returned it (ack them all). */
  careNodes: string[]
}

export type PostToMailboxParameters = {
  /** The mailbox address: a 33-byte compressed secp256k1 public key. */
  to: Uint8Array
  payload: Uint8Array
  /** At most 30 days; the care node caps it. */
  ttlSeconds?: number
}

export type PostToMailboxReturnType = {
  id: string
  /** Peer ids of the care nodes that took it. */
  storedOn: string[]
  /** Unix seconds: the earliest expiry among them. */
  expires: number
}

/**
 * Puts a sealed payload in the address's mailbox on every care node given (several
 * copies survive one node being down). Resolves once at least `required` (default 1)
 * took it; otherwise throws the MailboxError of the first refusal.
 */
export async function postToMailbox(
  node: MailboxNode,
  careNodes: readonly (string | Multiaddr)[],
  { to, payload, ttlSeconds = maxMailboxTtlSeconds }: PostToMailboxParameters,
  options: MailboxOptions & { required?: number } = {},
): Promise<PostToMailboxReturnType> {
  if (!(to instanceof Uint8Array) || to.byteLength !== 33) throw new MailboxError('malformed', 'the mailbox address is not a 33-byte public key')
  if (payload.byteLength > maxMailboxPayloadBytes) throw new MailboxError('too-large', `payload of ${payload.byteLength} bytes exceeds ${maxMailboxPayloadBytes}`)
  const ttl = Math.max(1, Math.min(Math.floor(ttlSeconds), maxMailboxTtlSeconds))
  const results = await Promise.allSettled(
    careNodes.map(async (careNode) => {
      const { address, peerId } = careAddress(careNode)
      const response = await exchange(node, address, { v: 1, op: 'put', to, payload, ttl }, options)
      if (response.op !== 'put') throw new MailboxError('malformed', 'unexpected answer')
      return { peerId, ...response }
    }),
  )
  const stored = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  if (stored.length < Math.max(1, options.required ?? 1)) {
    const failure = results.find((result) => result.status === 'rejected')
    throw failure?.reason instanceof MailboxError ? failure.reason : new MailboxError('unreachable', `${stored.length} of ${careNodes.length} care nodes took the entry`, { cause: failure?.reason })
  }
  return { id: stored[0]!.id, storedOn: stored.map((s) => s.peerId), expires: Math.min(...stored.map((s) => s.expires)) }
}

export type TakeFromMailboxParameters = {
  /** The mailbox address's secret key (the doctor's receiving key, or a patient's key for one grant). */
  secretKey: SecretKey
}

/**
 * Takes every live entry of the key's mailbox from every care node (a signed take per
 * node, paged), one entry per id. Care nodes that cannot be reached are skipped; when
 * none answers, throws the first MailboxError. Nothing is deleted: ack what was kept.
 */
export async function takeFromMailbox(
  node: MailboxNode,
  careNodes: readonly (string | Multiaddr)[],
  { secretKey }: TakeFromMailboxParameters,
  options: MailboxOptions = {},
): Promise<MailboxEntry[]> {
  const signer = new Signer(secretKey)
  const publicKey = secretKey.publicKey()
  const address = publicKey.toCompressedBytes()
  publicKey.free()
  try {
    const byId = new Map<string, MailboxEntry>()
    const results = await Promise.allSettled(
      careNodes.map(async (careNode) => {
        const target = careAddress(careNode)
        let after: string | undefined
        for (let page = 0; page < 1_000; page++) {
          const unsigned = { v: 1 as const, op: 'take' as const, address, node: target.peerId, at: Math.floor(Date.now() / 1000), nonce: newMailboxNonce(), ...(after ? { after } : {}) }
          const response = await exchange(node, target.address, { ...unsigned, sig: signBytes(signer, mailboxAuthMessage(unsigned)) }, options)
          if (response.op !== 'take') throw new MailboxError('malformed', 'unexpected answer')
          for (const entry of response.entries) {
            const known = byId.get(entry.id)
            if (known) known.careNodes.push(target.peerId)
            else byId.set(entry.id, { ...entry, careNodes: [target.peerId] })
          }
          if (!response.more || response.entries.length === 0) return
          after = response.entries.at(-1)!.id
        }
      }),
    )
    if (careNodes.length > 0 && results.every((result) => result.status === 'rejected')) {
      const reason = (results[0] as PromiseRejectedResult).reason
      throw reason instanceof MailboxError ? reason : new MailboxError('unreachable', 'no care node answered', { cause: reason })
    }
    return [...byId.values()].sort((a, b) => a.postedAt - b.postedAt || a.id.localeCompare(b.id))
  } finally {
    signer.free()
  }
}

export type AckMailboxEntriesParameters = TakeFromMailboxParameters & { ids: readonly string[] }

/** Deletes entries from the key's mailbox on the care nodes (signed like a take); returns how many copies went. */
export async function ackMailboxEntries(
  node: MailboxNode,
  careNodes: readonly (string | Multiaddr)[],
  { secretKey, ids }: AckMailboxEntriesParameters,
  options: MailboxOptions = {},
): Promise<{ deleted: number }> {
  if (ids.length === 0) return { deleted: 0 }
  const signer = new Signer(secretKey)
  const publicKey = secretKey.publicKey()
  const address = publicKey.toCompressedBytes()
  publicKey.free()
  try {
    const batches: string[][] = []
    const unique = [...new Set(ids)]
    for (let i = 0; i < unique.length; i += maxAckIds) batches.push(unique.slice(i, i + maxAckIds))
    const results = await Promise.allSettled(
      careNodes.map(async (careNode) => {
        const target = careAddress(careNode)
        let deleted = 0
        for (const batch of batches) {
          const unsigned = { v: 1 as const, op: 'ack' as const, address, node: target.peerId, at: Math.floor(Date.now() / 1000), nonce: newMailboxNonce(), ids: batch }
          const response = await exchange(node, target.address, { ...unsigned, sig: signBytes(signer, mailboxAuthMessage(unsigned)) }, options)
          if (response.op === 'ack') deleted += response.deleted
        }
        return deleted
      }),
    )
    if (careNodes.length > 0 && results.every((result) => result.status === 'rejected')) {
      const reason = (results[0] as PromiseRejectedResult).reason
      throw reason instanceof MailboxError ? reason : new MailboxError('unreachable', 'no care node answered', { cause: reason })
    }
    return { deleted: results.reduce((sum, result) => sum + (result.status === 'fulfilled' ? result.value : 0), 0) }
  } finally {
    signer.free()
  }
}

function careAddress(careNode: string | Multiaddr): { address: Multiaddr; peerId: string } {
  const address = typeof careNode === 'string' ? multiaddr(careNode) : careNode
  const peerId = address.getComponents().findLast((component) => component.name === 'p2p')?.value
  if (!peerId) throw new MailboxError('malformed', `the care node address ${address.toString()} has no /p2p/<peer id>`)
  return { address, peerId }
}

async function exchange(node: MailboxNode, address: Multiaddr, request: MailboxRequest, options: MailboxOptions): Promise<Extract<MailboxResponse, { ok: true }>> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000)
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
  let stream
  try {
    stream = await node.libp2p.dialProtocol(address, mailboxProtocol, { signal, runOnLimitedConnection: true })
  } catch (error) {
    options.signal?.throwIfAborted()
    throw new MailboxError(timeout.aborted ? 'timeout' : 'unreachable', `could not open ${mailboxProtocol} to ${address.toString()}`, { cause: error })
  }
  let response: MailboxResponse
  try {
    const messages = messageStream(stream, { maxBytes: maxMailboxMessageBytes })
    await messages.write(request, { signal })
    response = parseMailboxResponse(await messages.read({ signal }), request.op)
    await stream.close({ signal }).catch(() => {})
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    options.signal?.throwIfAborted()
    if (error instanceof MailboxError) throw error
    if (error instanceof PeerMessageError) {
      throw new MailboxError(error.code === 'timeout' ? 'timeout' : error.code === 'too-large' ? 'too-large' : error.code === 'closed' ? 'unreachable' : 'malformed', error.details ?? '', { cause: error })
    }
    throw new MailboxError('unreachable', 'the connection to the care node failed', { cause: error })
  }
  if (!response.ok) throw new MailboxError(response.code, `care node refused: ${response.message}`)
  return response
}
