import type { Libp2p, Stream } from '@libp2p/interface'
import { SalusError } from '../errors/salusError.ts'
import { DeliverError, deliverProtocol, maxDeliverMessageBytes, parseDelivery, type Delivery, type DeliverResponse } from './deliverProtocol.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'

export type DeliveryInbox = (delivery: Delivery, context: { from: string }) => void | Promise<void>

export type ServeDeliverProtocolParameters = {
  /** Called with each validated delivery; throwing refuses it (the sender sees code 'refused', with a SalusError's sentence). */
  onDelivery: DeliveryInbox
  maxInboundStreams?: number
  readTimeoutMs?: number
}

/** Receiving side of `/salus/deliver/1.0.0`: one message (≤ maxDeliverMessageBytes) per stream, validated, then the inbox. */
export async function serveDeliverProtocol(
  node: { libp2p: Pick<Libp2p, 'handle' | 'unhandle'> },
  { onDelivery, maxInboundStreams = 8, readTimeoutMs = 10_000 }: ServeDeliverProtocolParameters,
): Promise<() => Promise<void>> {
  await node.libp2p.handle(
    deliverProtocol,
    async (stream: Stream, connection) => {
      const messages = messageStream(stream, { maxBytes: maxDeliverMessageBytes })
      let response: DeliverResponse
      try {
        const delivery = parseDelivery(await messages.read({ signal: AbortSignal.timeout(readTimeoutMs) }))
        try {
          await onDelivery(delivery, { from: connection.remotePeer.toString() })
          response = { ok: true }
        } catch (error) {
          // The inbox's own sentence goes back, so the sender learns why (never a stack or a cause).
          const reason = error instanceof SalusError ? error.shortMessage.slice(0, 500) : 'the inbox did not accept this delivery'
          response = { ok: false, code: 'refused', message: reason }
        }
      } catch (error) {
        if (error instanceof DeliverError) response = { ok: false, code: error.code, message: error.details ?? '' }
        else if (error instanceof PeerMessageError && error.code === 'too-large') response = { ok: false, code: 'too-large', message: error.details ?? '' }
        else response = { ok: false, code: 'malformed', message: 'unreadable delivery' }
      }
      try {
        const closing = AbortSignal.timeout(10_000)
        await messages.write(response, { signal: closing })
        await stream.close({ signal: closing })
      } catch (error) {
        stream.abort(error instanceof Error ? error : new Error(String(error)))
      }
    },
    { maxInboundStreams, runOnLimitedConnection: true },
  )
  return async () => {
    await node.libp2p.unhandle(deliverProtocol)
  }
}
