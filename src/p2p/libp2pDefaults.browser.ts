import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush, type Identify, type IdentifyPush } from '@libp2p/identify'
import { FaultTolerance, type PrivateKey } from '@libp2p/interface'
import { ping, type Ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { MemoryDatastore } from 'datastore-core'
import type { Libp2pOptions } from 'libp2p'

export type BrowserLibp2pServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
}

export interface Libp2pDefaultsParameters {
  privateKey: PrivateKey
  /** Relay (care node) multiaddrs with /p2p/<peer id>; the only peers we dial on our own. */
  relays: readonly string[]
  /** STUN/TURN servers from the network config; none by default so nothing leaves the configured network. */
  iceServers?: RTCIceServer[]
}

/**
 * Every networking choice of a browser node, in one place: WebRTC between
 * browsers, signalled through circuit relay v2 over WebSockets to our relays.
 * No public bootstrap, DHT, delegated routing or AutoNAT: peers come from config.
 */
export function libp2pDefaults({ privateKey, relays, iceServers = [] }: Libp2pDefaultsParameters): Libp2pOptions<BrowserLibp2pServices> {
  return {
    privateKey,
    // The peer store lives in memory, not in the node's IndexedDB datastore: libp2p
    // rewrites a peer's record for every stream opened or accepted (it merges in the
    // protocol), and that IndexedDB read and write, 10-16 ms on a busy browser, sat
    // between every bitswap message and its handler. Our peers come from config and a
    // browser's circuit and WebRTC addresses die with the tab, so nothing is lost.
    datastore: new MemoryDatastore(),
    addresses: {
      // One reservation slot per configured relay, filled by relay discovery from
      // the relays keepRelays keeps us connected to; a slot is refilled when its
      // relay drops. WebRTC upgrades are signalled over those reservations.
      listen: [...relays.map(() => '/p2p-circuit'), '/webrtc'],
    },
    transports: [
      webSockets(),
      webRTC({ rtcConfiguration: { iceServers } }),
      circuitRelayTransport({ reservationCompletionTimeout: 20_000, reservationConcurrency: Math.max(1, relays.length) }),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The vault must open offline: an unreachable relay is not fatal.
    transportManager: { faultTolerance: FaultTolerance.NO_FATAL },
    connectionGater: {
      // libp2p's browser gater refuses private addresses and ws://; the local
      // network's relays are ws://127.0.0.1, and relays are configuration anyway.
      denyDialMultiaddr: () => false,
    },
    services: {
      identify: identify(),
      // Bitswap and our protocols register after the relay connection opens; push tells the relay.
      identifyPush: identifyPush(),
      ping: ping(),
    },
  }
}
