import type { Libp2p } from '@libp2p/interface'
import type { Signer } from '../crypto/umbral.ts'
import type { ResponderCredential } from '../core/consent/responderPass.ts'
import type { FragmentSource } from '../core/share/unwrapThroughProxies.ts'
import { openProxyChannel } from './proxyChannel.ts'
import type { ProxyAddress } from './requestCapsuleFragments.ts'

/**
 * One proxy over `/salus/pre/1.0.0`, bound to a grant and the grantee's signer, for
 * `SharedAccess.sources`. Requests reuse one stream; `close` releases it.
 */
export function proxyFragmentSource(
  node: { libp2p: Pick<Libp2p, 'dialProtocol'> },
  { proxy, grantId, signer, timeoutMs, responder }: { proxy: ProxyAddress; grantId: bigint; signer: Signer; timeoutMs?: number; responder?: ResponderCredential },
): FragmentSource & { close(): Promise<void> } {
  const channel = openProxyChannel(node, { proxy, grantId, signer, ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(responder ? { responder } : {}) })
  return { id: String(proxy), reencrypt: channel.reencrypt, reencryptBatch: channel.reencryptBatch, close: channel.close }
}
