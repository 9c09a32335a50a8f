import { defineChain, type Chain } from 'viem'
import { localChainId, type NetworkConfig } from './networkConfig.ts'

/** The viem chain described by a network configuration (no multicall3: anvil has none). */
export function salusChain(config: Pick<NetworkConfig, 'chainId' | 'chainName' | 'rpcUrl'>): Chain {
  const isWebSocket = config.rpcUrl.startsWith('ws')
  return defineChain({
    id: config.chainId,
    name: config.chainName,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: {
      default: isWebSocket ? { http: [], webSocket: [config.rpcUrl] } : { http: [config.rpcUrl] },
    },
    testnet: config.chainId === localChainId,
  })
}
