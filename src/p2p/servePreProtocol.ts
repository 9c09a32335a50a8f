import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'
import { peerRateLimit, type PeerRateLimitParameters } from './peerRateLimit.ts'
import { batchCapsuleCount, isCapsuleBatch, type CapsuleBatchGroup } from '../core/consent/capsuleBatchRequest.ts'
import { maxPreRequestBytes, maxPreResponseBytes, preProtocol, type PreBatchResponse, type PreResponse } from './preProtocol.ts'
import type { ProxyService } from './proxyService.ts'

export type ServePreProtocolParameters = {
  service: ProxyService
  /** Streams open at once per connection. */
  maxInboundStreams?: number
  /** A peer must send its next request within this long, or the stream is closed. */
  readTimeoutMs?: number
  /** Requests one stream may carry before it is closed. */
  maxRequestsPerStream?: number
  /**
   * Requests per peer, all its streams together: `burst` at once, then `perSecond`
   * (default 500 and 200); more are answered `rate-limited` before the proxy sees them.
   */
  rateLimit?: Pick<PeerRateLimitParameters, 'burst' | 'perSecond'>
}

/** Capsules of a batch that cost as much as one single request (its checks: signature, chain reads). */
const capsulesPerRequestCost = 8

/** What a request costs in the peer's rate: 1 for a single one, more for a batch by its capsules (unparsed: a malformed one costs 1). */
function requestCost(message: unknown): number {
  if (!isCapsuleBatch(message)) return 1
  const groups = (message as { groups?: unknown }).groups
  if (!Array.isArray(groups) || !groups.every((group) => Array.isArray((group as { capsules?: unknown } | null)?.capsules))) return 1
  return Math.max(1, Math.ceil(batchCapsuleCount({ groups: groups as CapsuleBatchGroup[] }) / capsulesPerRequestCost))
}

/**
 * Care node side of `/salus/pre/1.0.0`: length-prefixed dag-cbor requests (at most
 * 192 KiB each: a batch of capsules, request version 4, is the largest), answered in order, every refusal with its reason code. A client may
 * send one request per stream, or keep the stream for several: opening a stream
 * per request costs more than the re-encryption. Returns a function that stops serving.
 */
export async function servePreProtocol(
  node: { libp2p: Pick<Libp2p, 'handle' | 'unhandle'> },
  { service, maxInboundStreams = 32, readTimeoutMs = 30_000, maxRequestsPerStream = 100_000, rateLimit }: ServePreProtocolParameters,
): Promise<() => Promise<void>> {
  const limiter = peerRateLimit({ burst: 500, perSecond: 200, ...rateLimit })
  const handler = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    const messages = messageStream(stream, { maxBytes: maxPreRequestBytes, maxWriteBytes: maxPreResponseBytes })
    try {
      for (let served = 0; served < maxRequestsPerStream; served++) {
        let response: PreResponse | PreBatchResponse
        let last = false
        try {
          const message = await messages.read({ signal: AbortSignal.timeout(readTimeoutMs) })
          // Over its rate, a peer's request reaches neither the proxy nor the chain.
          response = limiter.take(peer, requestCost(message)) ? await service.handle(message) : { ok: false, code: 'rate-limited', message: 'too many requests from this peer; wait and try again' }
        } catch (error) {
          // The client closed its side (or went quiet) between requests: done.
          if (error instanceof PeerMessageError && (error.code === 'closed' || error.code === 'timeout') && served > 0) break
          const code = error instanceof PeerMessageError && error.code === 'too-large' ? 'too-large' : 'malformed'
          response = { ok: false, code, message: error instanceof PeerMessageError ? (error.details ?? error.shortMessage) : 'unreadable request' }
          last = true // after a framing error the stream cannot be trusted to stay in sync
        }
        await messages.write(response, { signal: AbortSignal.timeout(10_000) })
        if (last) break
      }
      await stream.close({ signal: AbortSignal.timeout(10_000) })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }
  await node.libp2p.handle(preProtocol, handler, { maxInboundStreams, runOnLimitedConnection: true })
  return async () => {
    await node.libp2p.unhandle(preProtocol)
  }
}
