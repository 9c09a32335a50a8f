/**
 * Token bucket per peer: `burst` requests at once, refilled at `perSecond`. A refused
 * request costs the server one map lookup. Buckets of peers quiet for a while are dropped.
 */
export type PeerRateLimit = {
  /** True when the peer may make one more request now (and counts it); a request worth several (a batch) costs `cost`. */
  take(peer: string, cost?: number): boolean
}

export type PeerRateLimitParameters = { burst: number; perSecond: number; maxPeers?: number; now?: () => number }

export function peerRateLimit({ burst, perSecond, maxPeers = 10_000, now = () => performance.now() }: PeerRateLimitParameters): PeerRateLimit {
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take(peer, cost = 1) {
      const at = now()
      let bucket = buckets.get(peer)
      if (bucket) {
        bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * perSecond)
        bucket.at = at
        buckets.delete(peer) // re-inserted below: the map stays in least-recently-seen order
      } else {
        bucket = { tokens: burst, at }
      }
      buckets.set(peer, bucket)
      while (buckets.size > maxPeers) buckets.delete(buckets.keys().next().value as string)
      if (bucket.tokens < Math.min(cost, burst)) return false
      bucket.tokens -= Math.min(cost, burst)
      return true
    },
  }
}
