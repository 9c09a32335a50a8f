import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

export interface KeepRelaysParameters {
  relays: readonly string[]
  /** How often to redial relays we are not connected to. */
  intervalMs?: number
}

/**
 * Keeps a connection to every configured relay, redialling any that dropped (a care
 * node restart, a network change). Circuit relay discovery then makes the
 * reservation again, so the node stays reachable for its whole life.
 * Returns a function that stops it.
 */
export function keepRelays(
  libp2p: Pick<Libp2p, 'dial' | 'getConnections'>,
  { relays, intervalMs = 10_000 }: KeepRelaysParameters,
): { stop(): void; firstRound: Promise<void> } {
  const targets = relays.flatMap((relay) => {
    try {
      const address = multiaddr(relay)
      const peerId = address.getComponents().findLast((component) => component.name === 'p2p')?.value
      return peerId ? [{ address, peerId }] : []
    } catch {
      return [] // a bad entry in the config must not stop the others
    }
  })
  const dialing = new Set<string>()
  const check = (): Promise<void> => {
    const connected = new Set(libp2p.getConnections().map((connection) => connection.remotePeer.toString()))
    const dials: Promise<void>[] = []
    for (const { address, peerId } of targets) {
      if (connected.has(peerId) || dialing.has(peerId)) continue
      dialing.add(peerId)
      const dial = libp2p
        .dial(address, { signal: AbortSignal.timeout(Math.max(intervalMs, 5_000)) })
        .then(() => {}, () => {}) // offline or relay down: try again next round
        .finally(() => dialing.delete(peerId))
      dials.push(dial)
    }
    return Promise.all(dials).then(() => {})
  }
  const firstRound = check()
  const timer = setInterval(() => void check(), intervalMs)
  return { stop: () => clearInterval(timer), firstRound }
}
