import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { verifyBytes } from '../crypto/umbral.ts'
import { messageStream } from './messages.ts'
import { MailboxError, mailboxAuthMessage, mailboxFreshnessSeconds, mailboxProtocol, maxMailboxMessageBytes, parseMailboxRequest, type MailboxAck, type MailboxResponse, type MailboxTake } from './mailboxProtocol.ts'
import { MailboxStore } from './mailboxStore.ts'
import { PeerMessageError } from './p2pErrors.ts'
import { peerRateLimit, type PeerRateLimitParameters } from './peerRateLimit.ts'

export type ServeMailboxProtocolParameters = {
  store: MailboxStore
  /** Requests per peer: `burst` at once, then `perSecond`; more are answered `rate-limited`. */
  rateLimit?: Pick<PeerRateLimitParameters, 'burst' | 'perSecond'>
  /** Requests handled at once per connection. */
  maxInboundStreams?: number
  /** Requests handled at once in total; more are answered `busy`. */
  maxConcurrentRequests?: number
  readTimeoutMs?: number
  now?: () => number
  log?: (line: string) => void
}

/**
 * Care node side of `/salus/mailbox/1.0.0`: one request per stream. A put needs no
 * signature (the recipient verifies what it opens) but counts against the address's and
 * the sending peer's quota; a take or ack must be signed by the address's own key, for
 * this node, within two minutes, with a nonce not seen before. Anyone else gets nothing.
 */
export async function serveMailboxProtocol(
  node: { libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'peerId'> },
  parameters: ServeMailboxProtocolParameters,
): Promise<() => Promise<void>> {
  const { store } = parameters
  const self = node.libp2p.peerId.toString()
  const limiter = peerRateLimit({ burst: 30, perSecond: 2, ...parameters.rateLimit })
  const now = parameters.now ?? (() => Math.floor(Date.now() / 1000))
  const maxActive = parameters.maxConcurrentRequests ?? 32
  const log = parameters.log ?? (() => {})
  const seen = new Map<string, number>()
  let active = 0

  const checkAuth = (request: MailboxTake | MailboxAck): void => {
    if (request.node !== self) throw new MailboxError('unauthorized', 'the request is signed for another care node')
    if (Math.abs(now() - request.at) > mailboxFreshnessSeconds) throw new MailboxError('unauthorized', `the request time is not within ${mailboxFreshnessSeconds} s of the care node clock`)
    const { sig, ...unsigned } = request
    if (!verifyBytes(request.address, mailboxAuthMessage(unsigned), sig)) throw new MailboxError('unauthorized', 'the request is not signed by the mailbox address’s key')
    const at = Date.now()
    for (const [key, expires] of seen) {
      if (expires > at && seen.size < 100_000) break
      seen.delete(key)
    }
    const nonce = `${Array.from(request.address).join(',')}:${Array.from(request.nonce).join(',')}`
    if (seen.has(nonce)) throw new MailboxError('unauthorized', 'this request was already answered')
    seen.set(nonce, at + 2 * mailboxFreshnessSeconds * 1000)
  }

  const handler = async (stream: Stream, connection: Connection): Promise<void> => {
    const messages = messageStream(stream, { maxBytes: maxMailboxMessageBytes })
    const peer = connection.remotePeer.toString()
    let response: MailboxResponse
    active += 1
    try {
      if (!limiter.take(peer)) throw new MailboxError('rate-limited', 'too many requests from this peer; wait and try again')
      if (active > maxActive) throw new MailboxError('busy', `${maxActive} mailbox requests already in progress`)
      const request = parseMailboxRequest(await messages.read({ signal: AbortSignal.timeout(parameters.readTimeoutMs ?? 30_000) }))
      if (request.op === 'put') {
        const { id, expires } = await store.put(request.to, request.payload, request.ttl, peer)
        log(`mailbox put ${id} (${request.payload.byteLength} bytes)`)
        response = { ok: true, op: 'put', id, expires }
      } else if (request.op === 'take') {
        checkAuth(request)
        const { entries, more } = await store.take(request.address, request.after)
        response = { ok: true, op: 'take', entries, more }
      } else {
        checkAuth(request)
        response = { ok: true, op: 'ack', deleted: await store.ack(request.address, request.ids) }
      }
    } catch (error) {
      response = toErrorResponse(error)
      log(`mailbox request from ${peer} refused: ${response.code}`)
    } finally {
      active -= 1
    }
    try {
      const closing = AbortSignal.timeout(30_000)
      await messages.write(response, { signal: closing })
      await stream.close({ signal: closing })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }

  await node.libp2p.handle(mailboxProtocol, handler, { maxInboundStreams: parameters.maxInboundStreams ?? 8, runOnLimitedConnection: true })
  return async () => {
    await node.libp2p.unhandle(mailboxProtocol)
  }
}

function toErrorResponse(error: unknown): Extract<MailboxResponse, { ok: false }> {
  if (error instanceof MailboxError) return { ok: false, code: error.code, message: error.details ?? error.shortMessage }
  if (error instanceof PeerMessageError) {
    return { ok: false, code: error.code === 'too-large' ? 'too-large' : error.code === 'timeout' ? 'timeout' : 'malformed', message: error.details ?? '' }
  }
  return { ok: false, code: 'internal', message: 'the care node failed to handle the mailbox request' }
}
