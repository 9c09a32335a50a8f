import type { Libp2p } from '@libp2p/interface'
import type { Signer } from '../crypto/umbral.ts'
import type { FragmentSource } from '../core/share/unwrapThroughProxies.ts'
import { requestCapsuleFragments, type ProxyAddress } from './requestCapsuleFragments.ts'

/** One proxy over `/salus/pre/1.0.0`, bound to a grant and the grantee's signer, for `SharedAccess.sources`. */
export function proxyFragmentSource(
  node: { libp2p: Pick<Libp2p, 'dialProtocol'> },
  { proxy, grantId, signer, timeoutMs }: { proxy: ProxyAddress; grantId: bigint; signer: Signer; timeoutMs?: number },
): FragmentSource {
  return {
    id: String(proxy),
    reencrypt: (scope, capsules) =>
      requestCapsuleFragments(node, { proxy, grantId, scope, capsules, signer, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
  }
}
