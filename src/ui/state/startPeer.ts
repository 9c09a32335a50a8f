import type { NetworkConfig } from '../../chain/networkConfig.ts'
import type { Workspace } from './Workspace.svelte.ts'

/**
 * Starts the account's Helia node in the background. libp2p is loaded on demand so
 * the vault opens (and works) even when networking fails or is slow to load.
 */
export async function startPeer(workspace: Workspace, config: NetworkConfig): Promise<void> {
  if (config.relays.length === 0) return
  const careNodeIds = new Set([
    ...config.careNodes.map((node) => node.peerId),
    ...config.relays.map((relay) => /\/p2p\/([^/]+)/.exec(relay)?.[1]).filter((id): id is string => id !== undefined),
  ])
  await workspace.peer.start(async () => {
    const { createBrowserNode } = await import('../../p2p/createBrowserNode.ts')
    const node = await createBrowserNode({
      account: workspace.account.address,
      peerKeySeed: workspace.keys.peerKeySeed,
      relays: config.relays,
      blockstore: workspace.blockstore,
    })
    workspace.attachNode(node)
    return {
      connectedPeers: () => node.libp2p.getPeers().filter((peer) => careNodeIds.has(peer.toString())).length,
      stop: async () => {
        await node.stop()
      },
    }
  })
}
