import type { Libp2p } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { careSignerFor, signCareRequest } from './careAuth.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError, PinRequestError } from './p2pErrors.ts'
import { encodePinRequest, encodeSignedPinRequest, maxPinCids, parsePinResponse, pinProtocol, type PinOp, type PinResponse } from './pinProtocol.ts'

export interface RequestPinParameters {
  /** The care node's multiaddr, with its /p2p/<peer id>. */
  careNode: string | Multiaddr
  cids: Array<CID | string>
  /**
   * The patient's PRE master seed: the request is signed with the pinning identity
   * derived from it for this one care node (crypto/pinIdentity.ts).
   */
  identitySeed: Uint8Array
  /** Seconds the care node should keep the blocks (it caps this); pinning again renews. */
  lifetimeSeconds?: number
  /** Whole exchange, including the care node fetching the blocks from us. */
  timeoutMs?: number
  /** Peer the care node should fetch from when it is not us. */
  from?: string
}

export interface RequestPinReturnType {
  pinned: number
  /** Unix seconds until which the care node keeps them, unless renewed. */
  expires?: number
}

/**
 * Asks a care node to fetch these blocks from this node and keep them, so they
 * stay available while this browser is offline. Keep the node running until it
 * resolves: the care node downloads the blocks from us during the call. On first
 * contact the care node asks for registration work; it is computed and the request
 * sent again.
 */
export async function requestPin(node: { libp2p: Pick<Libp2p, 'dialProtocol'> }, parameters: RequestPinParameters): Promise<RequestPinReturnType> {
  return pinExchange(node, 'pin', parameters)
}

/** Lets a care node drop these roots (frees this identity's quota); returns how many it held. */
export async function requestUnpin(
  node: { libp2p: Pick<Libp2p, 'dialProtocol'> },
  parameters: Omit<RequestPinParameters, 'lifetimeSeconds' | 'from'>,
): Promise<{ unpinned: number }> {
  return { unpinned: (await pinExchange(node, 'unpin', parameters)).pinned }
}

async function pinExchange(
  node: { libp2p: Pick<Libp2p, 'dialProtocol'> },
  op: PinOp,
  { careNode, cids, identitySeed, lifetimeSeconds, timeoutMs = 120_000, from }: RequestPinParameters,
): Promise<RequestPinReturnType> {
  if (cids.length === 0) return { pinned: 0 }
  if (cids.length > maxPinCids) {
    throw new PinRequestError('too-large', `${cids.length} cids exceed the limit of ${maxPinCids}; split the request`)
  }
  const parsed = cids.map((cid) => (typeof cid === 'string' ? CID.parse(cid) : cid))
  const address = typeof careNode === 'string' ? multiaddr(careNode) : careNode
  const carePeerId = address.getComponents().findLast((component) => component.name === 'p2p')?.value
  if (!carePeerId) throw new PinRequestError('malformed', `the care node address ${address.toString()} has no /p2p/<peer id>`)
  const body = encodePinRequest({ v: 2, op, cids: parsed, ...(from ? { from } : {}), ...(lifetimeSeconds ? { lifetime: lifetimeSeconds } : {}) })
  const signal = AbortSignal.timeout(timeoutMs)
  let workBits: number | undefined
  for (let attempt = 0; ; attempt++) {
    const auth = signCareRequest('pin', body, carePeerId, careSignerFor(identitySeed, carePeerId, workBits))
    const response = await exchange(node, address, encodeSignedPinRequest(body, auth), signal)
    if (response.ok) return { pinned: response.pinned, ...(response.expires === undefined ? {} : { expires: response.expires }) }
    if (response.code === 'unregistered' && response.workBits !== undefined && attempt === 0) {
      workBits = response.workBits
      continue
    }
    throw new PinRequestError(response.code, `care node refused: ${response.message}`)
  }
}

async function exchange(node: { libp2p: Pick<Libp2p, 'dialProtocol'> }, address: Multiaddr, message: Record<string, unknown>, signal: AbortSignal): Promise<PinResponse> {
  let stream
  try {
    stream = await node.libp2p.dialProtocol(address, pinProtocol, { signal, runOnLimitedConnection: true })
  } catch (error) {
    if (signal.aborted) throw new PinRequestError('timeout', 'no connection to the care node before the deadline', { cause: error })
    throw new PinRequestError('unreachable', `could not open ${pinProtocol} to ${address.toString()}`, { cause: error })
  }
  try {
    const messages = messageStream(stream)
    await messages.write(message, { signal })
    const response = parsePinResponse(await messages.read({ signal }))
    await stream.close({ signal }).catch(() => {})
    return response
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
