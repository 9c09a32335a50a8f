import type { Libp2p } from '@libp2p/interface'
import type { Datastore } from 'interface-datastore'
import type { SecretKey } from '../crypto/umbral.ts'
import type { ChainGrantOracle } from './chainGrantOracle.ts'
import { followGrants } from './followGrants.ts'
import type { GrantOracle } from './grantOracle.ts'
import { networkBlockAccess, type NetworkBlockstore } from './networkBlockAccess.ts'
import { createProxyService, type ProxyService, type ProxyServiceParameters } from './proxyService.ts'
import type { PinLedger } from './pinLedger.ts'
import { serveHeadProtocol } from './serveHeadProtocol.ts'
import { servePreProtocol, type ServePreProtocolParameters } from './servePreProtocol.ts'

export type ServeSharingParameters = {
  /** Without it the node keeps manifest heads but does not act as a proxy. */
  proxy?: {
    address: `0x${string}`
    secretKey: SecretKey
    oracle: GrantOracle
  } & Pick<ProxyServiceParameters, 'sessionTtlSeconds' | 'now' | 'maxCachedGrants' | 'reencryptCapsules'>
  /** How long a bundle block may take to arrive over the block exchange. */
  bundleTimeoutMs?: number
  /** Re-encryption requests per peer (servePreProtocol's default when absent). */
  preRateLimit?: ServePreProtocolParameters['rateLimit']
  /** The care node's identities and quotas (shared with its pin protocol); head puts count against them. */
  ledger?: PinLedger
  log?: (line: string) => void
}

export type Sharing = { proxyService?: ProxyService; stop(): Promise<void> }

/**
 * A care node's part in sharing, in one call: `/salus/head/1.0.0` (manifest heads)
 * and, with a proxy identity, `/salus/pre/1.0.0` fetching key-fragment bundles over
 * Helia. Meant for startCareNode and for a care node running in a browser tab.
 */
export async function serveSharing(
  helia: { libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'peerId'>; datastore: Datastore; blockstore: NetworkBlockstore },
  { proxy, bundleTimeoutMs = 20_000, ledger, preRateLimit, log }: ServeSharingParameters = {},
): Promise<Sharing> {
  let proxyService: ProxyService | undefined
  const authorizeRead = (read: Parameters<ProxyService['authorizeHeadRead']>[0]) => (proxyService ? proxyService.authorizeHeadRead(read) : Promise.resolve('this care node is no proxy: it serves heads to nobody'))
  const stops: Array<() => Promise<void>> = [await serveHeadProtocol(helia, { authorizeRead, ...(log ? { log } : {}), ...(ledger ? { ledger } : {}) })]
  if (proxy) {
    const blocks = networkBlockAccess(helia, { timeoutMs: bundleTimeoutMs })
    const { address, secretKey, oracle, ...options } = proxy
    proxyService = createProxyService({ ...options, oracle, proxy: { address, secretKey }, fetchBundle: (cid) => blocks.get(cid), ...(log ? { log } : {}) })
    stops.push(await servePreProtocol(helia, { service: proxyService, ...(preRateLimit ? { rateLimit: preRateLimit } : {}) }))
    // A chain-backed oracle also has events: fetch bundles as grants appear.
    if (typeof (oracle as Partial<ChainGrantOracle>).sync === 'function') {
      const unfollow = followGrants({ oracle: oracle as ChainGrantOracle, service: proxyService, ...(log ? { log } : {}) })
      stops.push(async () => unfollow())
    }
  }
  return {
    ...(proxyService ? { proxyService } : {}),
    async stop() {
      await Promise.allSettled(stops.map((stop) => stop()))
      proxyService?.stop()
    },
  }
}
