import { createPublicClient, http, webSocket } from 'viem'
import type { NetworkConfig } from '../../chain/networkConfig.ts'

export type ChainStatus =
  | { state: 'checking' }
  | { state: 'ok'; blockNumber: bigint }
  | { state: 'error'; message: string }

/** Asks the configured RPC for its chain id and head, so the start screen can say what is wrong before sign-in. */
export async function checkChain(config: Pick<NetworkConfig, 'chainId' | 'rpcUrl'>): Promise<ChainStatus> {
  // Short timeout, no retries: the start screen should say "not reachable" in seconds, not after a minute.
  const transport = config.rpcUrl.startsWith('ws')
    ? webSocket(config.rpcUrl, { timeout: 5_000, retryCount: 0 })
    : http(config.rpcUrl, { timeout: 5_000, retryCount: 0 })
  const client = createPublicClient({ transport })
  try {
    const [chainId, blockNumber] = await Promise.all([client.getChainId(), client.getBlockNumber()])
    if (chainId !== config.chainId)
      return {
        state: 'error',
        message: `The node at ${config.rpcUrl} runs chain ${chainId}, but Salus is configured for chain ${config.chainId}. Restart the local network (npm start) or fix the configuration.`,
      }
    return { state: 'ok', blockNumber }
  } catch (error) {
    console.error('Salus: the chain is not reachable', error)
    const local = /127\.0\.0\.1|localhost/.test(config.rpcUrl)
    return {
      state: 'error',
      message: local
        ? `The local chain at ${config.rpcUrl} is not answering. Start the local network with npm start, then choose “Check again”. Your records stay readable; anchoring waits.`
        : `The chain at ${config.rpcUrl} is not answering. Check your connection, then choose “Check again”. Your records stay readable; anchoring waits.`,
    }
  }
}
