import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { DeliverError, deliverProtocol, maxDeliverMessageBytes, parseDeliverResponse, parseDelivery, type Delivery } from './deliverProtocol.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'

export type DeliverMessageParameters = {
  /** The recipient's multiaddr(s) (relay circuit addresses for browsers) or peer id. */
  peer: string | Multiaddr | Multiaddr[] | PeerId
  delivery: Delivery
  timeoutMs?: number
}

/** Sends a consent or record CID to a peer's inbox; resolves once the peer accepted it. */
export async function deliverMessage(
  node: { libp2p: Pick<Libp2p, 'dialProtocol'> },
  { peer, delivery, timeoutMs = 20_000 }: DeliverMessageParameters,
): Promise<void> {
  // Check our own message as the receiver will, so a mistake here is reported here.
  const checked = parseDelivery(delivery)
  const signal = AbortSignal.timeout(timeoutMs)
  const target = typeof peer !== 'string' ? peer : peer.startsWith('/') ? multiaddr(peer) : peerIdFromString(peer)
  let stream
  try {
    stream = await node.libp2p.dialProtocol(target, deliverProtocol, { signal, runOnLimitedConnection: true })
  } catch (error) {
    throw new DeliverError(signal.aborted ? 'timeout' : 'unreachable', `could not open ${deliverProtocol}`, { cause: error })
  }
  try {
    const messages = messageStream(stream, { maxBytes: maxDeliverMessageBytes })
    await messages.write(checked, { signal })
    parseDeliverResponse(await messages.read({ signal }))
    await stream.close({ signal }).catch(() => {})
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    if (error instanceof DeliverError) throw error
    if (error instanceof PeerMessageError) {
      throw new DeliverError(error.code === 'timeout' ? 'timeout' : error.code === 'too-large' ? 'too-large' : 'malformed', error.details ?? '', { cause: error })
    }
    throw new DeliverError('unreachable', 'the connection failed', { cause: error })
  }
}
