import type { Libp2p, Stream } from '@libp2p/interface'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'
import { preProtocol, type PreResponse } from './preProtocol.ts'
import type { ProxyService } from './proxyService.ts'

export type ServePreProtocolParameters = {
  service: ProxyService
  /** Requests handled at once per connection. */
  maxInboundStreams?: number
  /** A peer must send its request within this long. */
  readTimeoutMs?: number
}

/**
 * Care node side of `/salus/pre/1.0.0`: one length-prefixed dag-cbor request
 * (at most 64 KiB) per stream, one answer, every refusal with its reason code.
 * Returns a function that stops serving.
 */
export async function servePreProtocol(
  node: { libp2p: Pick<Libp2p, 'handle' | 'unhandle'> },
  { service, maxInboundStreams = 32, readTimeoutMs = 10_000 }: ServePreProtocolParameters,
): Promise<() => Promise<void>> {
  const handler = async (stream: Stream): Promise<void> => {
    const messages = messageStream(stream)
    let response: PreResponse
    try {
      response = await service.handle(await messages.read({ signal: AbortSignal.timeout(readTimeoutMs) }))
    } catch (error) {
      const code = error instanceof PeerMessageError && error.code === 'too-large' ? 'too-large' : 'malformed'
      response = { ok: false, code, message: error instanceof PeerMessageError ? (error.details ?? error.shortMessage) : 'unreadable request' }
    }
    try {
      const closing = AbortSignal.timeout(10_000)
      await messages.write(response, { signal: closing })
      await stream.close({ signal: closing })
    } catch (error) {
      stream.abort(error instanceof Error ? error : new Error(String(error)))
    }
  }
  await node.libp2p.handle(preProtocol, handler, { maxInboundStreams, runOnLimitedConnection: true })
  return async () => {
    await node.libp2p.unhandle(preProtocol)
  }
}
