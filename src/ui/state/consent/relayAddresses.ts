import type { SalusNode } from '../../../p2p/createBrowserNode.ts'

/** Most addresses a directory entry or a consent message carries (Registry and /salus/deliver limits). */
const maxAddresses = 4

/**
 * The node's relayed addresses (`…/p2p-circuit/p2p/<us>`): how another browser reaches
 * this one; WebRTC is then negotiated over them.
 */
export function relayAddresses(node: SalusNode): string[] {
  const own = node.libp2p.peerId.toString()
  const addresses = node.libp2p
    .getMultiaddrs()
    .map((address) => address.toString())
    .filter((address) => address.includes('/p2p-circuit') && !address.includes('/webrtc') && address.length <= 256)
    .map((address) => (address.endsWith(`/p2p/${own}`) ? address : `${address}/p2p/${own}`))
  return [...new Set(addresses)].slice(0, maxAddresses)
}
