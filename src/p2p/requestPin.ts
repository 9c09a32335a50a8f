import type { Libp2p } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { messageStream } from './messages.ts'
import { PeerMessageError, PinRequestError } from './p2pErrors.ts'
import { encodePinRequest, maxPinCids, parsePinResponse, pinProtocol } from './pinProtocol.ts'

export interface RequestPinParameters {
  /** The care node's multiaddr, with its /p2p/<peer id>. */
  careNode: string | Multiaddr
  cids: Array<CID | string>
  /** Whole exchange, including the care node fetching the blocks from us. */
  timeoutMs?: number
  /** Peer the care node should fetch from when it is not us. */
  from?: string
}

export interface RequestPinReturnType {
  pinned: number
}

/**
 * Asks a care node to fetch these blocks from this node and keep them, so they
 * stay available while this browser is offline. Keep the node running until it
 * resolves: the care node downloads the blocks from us during the call.
 */
export async function requestPin(
  node: { libp2p: Pick<Libp2p, 'dialProtocol'> },
  { careNode, cids, timeoutMs = 120_000, from }: RequestPinParameters,
): Promise<RequestPinReturnType> {
  if (cids.length === 0) return { pinned: 0 }
  if (cids.length > maxPinCids) {
    throw new PinRequestError('too-large', `${cids.length} cids exceed the limit of ${maxPinCids}; split the request`)
  }
  const parsed = cids.map((cid) => (typeof cid === 'string' ? CID.parse(cid) : cid))
  const signal = AbortSignal.timeout(timeoutMs)
  let stream
  try {
    const address = typeof careNode === 'string' ? multiaddr(careNode) : careNode
    stream = await node.libp2p.dialProtocol(address, pinProtocol, { signal, runOnLimitedConnection: true })
  } catch (error) {
    if (signal.aborted) throw new PinRequestError('timeout', 'no connection to the care node before the deadline', { cause: error })
    throw new PinRequestError('unreachable', `could not open ${pinProtocol} to ${String(careNode)}`, { cause: error })
  }
  try {
    const messages = messageStream(stream)
    await messages.write(encodePinRequest({ v: 1, cids: parsed, ...(from ? { from } : {}) }), { signal })
    const response = parsePinResponse(await messages.read({ signal }))
    await stream.close({ signal }).catch(() => {})
    if (response.ok) return { pinned: response.pinned }
    throw new PinRequestError(response.code, `care node refused: ${response.message}`)
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    if (error instanceof PinRequestError) throw error
    if (error instanceof PeerMessageError) {
      const code = error.code === 'timeout' ? 'timeout' : error.code === 'closed' ? 'unreachable' : 'malformed'
      throw new PinRequestError(code, error.details ?? error.message, { cause: error })
    }
    throw new PinRequestError('unreachable', 'the connection to the care node failed', { cause: error })
  }
}
