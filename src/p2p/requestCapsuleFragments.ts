import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { Signer } from '../crypto/umbral.ts'
import { encodeCapsuleRequest, signCapsuleRequest } from '../core/consent/capsuleRequest.ts'
import type { Scope } from '../core/scopes.ts'
import { ProxyRefusedError } from '../core/share/shareErrors.ts'
import { messageStream } from './messages.ts'
import { PeerMessageError } from './p2pErrors.ts'
import { parsePreResponse, preProtocol } from './preProtocol.ts'

export type ProxyAddress = string | Multiaddr | PeerId

export type RequestCapsuleFragmentsParameters = {
  /** The proxy's multiaddr (with /p2p/<id>), or its peer id when already connected. */
  proxy: ProxyAddress
  grantId: bigint
  scope: Scope
  /** The scope's key epoch the capsules are sealed to. */
  epoch: number
  capsules: Uint8Array[]
  /** The grantee's Umbral signer (the key registered in the directory). */
  signer: Signer
  timeoutMs?: number
}

/**
 * Asks one proxy to re-encrypt capsules for the grantee. Returns the fragments as
 * bytes, unverified: `unwrapThroughProxies` verifies them. Throws `ProxyRefusedError`.
 */
export async function requestCapsuleFragments(
  node: { libp2p: Pick<Libp2p, 'dialProtocol'> },
  { proxy, grantId, scope, epoch, capsules, signer, timeoutMs = 15_000 }: RequestCapsuleFragmentsParameters,
): Promise<Uint8Array[]> {
  const request = encodeCapsuleRequest(signCapsuleRequest(signer, { grantId, scope, epoch, capsules }))
  const signal = AbortSignal.timeout(timeoutMs)
  let stream
  try {
    stream = await node.libp2p.dialProtocol(toProxyTarget(proxy), preProtocol, { signal, runOnLimitedConnection: true })
  } catch (error) {
    throw new ProxyRefusedError(signal.aborted ? 'timeout' : 'unreachable', `could not open ${preProtocol} to ${String(proxy)}`, { cause: error })
  }
  try {
    const messages = messageStream(stream)
    await messages.write(request, { signal })
    const cfrags = parsePreResponse(await messages.read({ signal }), capsules.length)
    await stream.close({ signal }).catch(() => {})
    return cfrags
  } catch (error) {
    stream.abort(error instanceof Error ? error : new Error(String(error)))
    if (error instanceof ProxyRefusedError) throw error
    if (error instanceof PeerMessageError) {
      throw new ProxyRefusedError(error.code === 'timeout' ? 'timeout' : 'bad-response', error.details ?? error.message, { cause: error })
    }
    throw new ProxyRefusedError('unreachable', 'the connection to the proxy failed', { cause: error })
  }
}

export function toProxyTarget(proxy: ProxyAddress): Multiaddr | PeerId {
  if (typeof proxy !== 'string') return proxy
  return proxy.startsWith('/') ? multiaddr(proxy) : peerIdFromString(proxy)
}
