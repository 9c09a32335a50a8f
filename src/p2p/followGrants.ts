import type { ChainGrantOracle } from './chainGrantOracle.ts'
import type { ProxyService } from './proxyService.ts'

export type FollowGrantsParameters = {
  oracle: Pick<ChainGrantOracle, 'sync'>
  service: Pick<ProxyService, 'prefetch' | 'forget'>
  intervalMs?: number
  log?: (line: string) => void
}

/**
 * Keeps a proxy ahead of its requests: on each new GrantCreated it fetches and opens
 * the bundle (so the first re-encryption does not wait for IPFS), on GrantRevoked it
 * drops the fragments. Only a cache: every request still reads the contract.
 * Returns a function that stops following.
 */
export function followGrants({ oracle, service, intervalMs = 4_000, log = () => {} }: FollowGrantsParameters): () => void {
  let stopped = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const tick = async () => {
    try {
      const { created, revoked } = await oracle.sync()
      for (const grantId of revoked) service.forget(grantId)
      await Promise.allSettled(
        created.filter((id) => !revoked.includes(id)).map((grantId) =>
          service.prefetch(grantId).catch((error: unknown) => log(`grant ${grantId}: bundle not fetched yet (${String(error)})`)),
        ),
      )
    } catch (error) {
      log(`could not read consent events: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs)
  }
  void tick()
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
