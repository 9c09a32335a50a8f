import type { Libp2p, PeerId } from '@libp2p/interface'
import type { ResponderCredential } from '../core/consent/responderPass.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { SignedHead } from '../core/consent/scopeManifest.ts'
import type { Scope } from '../core/scopes.ts'
import { signHeadRead } from '../core/consent/headReadRequest.ts'
import type { Signer } from '../crypto/umbral.ts'
import { careSignerFor, signCareRequest } from './careAuth.ts'
import { encodeHeadRequest, headProtocol, HeadRequestError, parseHeadResponse, type HeadRequest } from './headProtocol.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'

export type HeadPeer = string | Multiaddr | PeerId
type Node = { libp2p: Pick<Libp2p, 'dialProtocol'> }

/**
 * Hands a care node (or any head keeper) the patient's newest signed head of one
 * scope, signed by the patient's pinning identity for that node (derived from
 * `identitySeed`, the PRE master seed). On first contact the node asks for
 * registration work; it is computed and the put sent again.
 */
export async function publishHead(
  node: Node,
  { peer, head, timeoutMs, identitySeed }: { peer: HeadPeer; head: SignedHead; timeoutMs?: number; identitySeed: Uint8Array },
): Promise<void> {
  const carePeerId = peerIdOf(peer)
  const body = encodeHeadRequest({ v: 1, op: 'put', head })
  let workBits: number | undefined
  for (let attempt = 0; ; attempt++) {
    const auth = signCareRequest('head', body, carePeerId, careSignerFor(identitySeed, carePeerId, workBits))
    try {
      await exchange(node, peer, { v: 1, op: 'put', head, auth }, timeoutMs)
      return
    } catch (error) {
      if (attempt === 0 && error instanceof HeadRequestError && error.code === 'unregistered' && error.workBits !== undefined) {
        workBits = error.workBits
        continue
      }
      throw error
    }
  }
}

function peerIdOf(peer: HeadPeer): string {
  if (typeof peer !== 'string' && !('getComponents' in peer)) return peer.toString()
  if (typeof peer === 'string' && !peer.startsWith('/')) return peerIdFromString(peer).toString()
  const address = typeof peer === 'string' ? multiaddr(peer) : peer
  const id = address.getComponents().findLast((component) => component.name === 'p2p')?.value
  if (!id) throw new HeadRequestError('malformed', `the care node address ${address.toString()} has no /p2p/<peer id>`)
  return id
}

/**
 * The newest head a peer keeps for (author, scope), or undefined when it has none;
 * asked as the grantee of `grantId`, signed by `signer` (the grantee's registered key).
 * Unverified: check it with `verifyHead` against the author you expect.
 */
export async function fetchHead(
  node: Node,
  { peer, author, scope, timeoutMs, grantId, signer, responder }: { peer: HeadPeer; author: Uint8Array; scope: Scope; timeoutMs?: number; grantId: bigint; signer: Signer; responder?: ResponderCredential },
): Promise<SignedHead | undefined> {
  try {
    // Care nodes serve heads only to a grantee of the scope: the read carries the signed grant.
    const grant = signHeadRead(signer, { grantId, author, scope, ...(responder ? { responder } : {}) })
    return (await exchange(node, peer, { v: 1, op: 'get', author, scope, grant }, timeoutMs)).head
  } catch (error) {
    if (error instanceof HeadRequestError && error.code === 'not-found') return undefined
    throw error
  }
}

async function exchange(node: Node, peer: HeadPeer, request: HeadRequest, timeoutMs = 15_000): Promise<{ head?: SignedHead }> {
  const signal = AbortSignal.timeout(timeoutMs)
  const target = typeof peer !== 'string' ? peer : peer.startsWith('/') ? multiaddr(peer) : peerIdFromString(peer)
  let stream
  try {
    stream = await node.libp2p.dialProtocol(target, headProtocol, { signal, runOnLimitedConnection: true })
  } catch (error) {
    throw new HeadRequestError(signal.aborted ? 'timeout' : 'unreachable', `could not open ${headProtocol} to ${String(peer)}`, { cause: error })
  }
  try {
    const messages = messageStream(stream)
    await messages.write(encodeHeadRequest(request), { signal })
    const response = parseHeadResponse(await messages.read({ signal }))
    await stream.close({ signal }).catch(() => {})
    return response
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    if (error instanceof HeadRequestError) throw error
    if (error instanceof PeerMessageError) throw new HeadRequestError(error.code === 'timeout' ? 'timeout' : 'malformed', error.details ?? '', { cause: error })
    throw new HeadRequestError('unreachable', 'the connection to the care node failed', { cause: error })
  }
}
