import {
  createPublicClient,
  createWalletClient,
  custom,
  http,
  webSocket,
  type Account,
  type Address,
  type Chain,
  type EIP1193Provider,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { localChainId, type NetworkConfig } from './networkConfig.ts'
import { salusChain } from './salusChain.ts'

export type SalusPublicClient = PublicClient<Transport, Chain>
export type SalusWalletClient = WalletClient<Transport, Chain, Account>

export type CreateSalusClientsOptions = {
  /** An injected wallet (EIP-6963) that signs for `account`; local accounts sign in the page. */
  provider?: EIP1193Provider
}

export type CreateSalusClientsReturnType<withWallet extends boolean = boolean> = {
  chain: Chain
  publicClient: SalusPublicClient
} & (withWallet extends true ? { walletClient: SalusWalletClient } : object)

/**
 * Public and wallet clients for the configured chain. Reads always go to the
 * configured RPC; writes are signed by the local account or by the injected wallet.
 */
export function createSalusClients(config: NetworkConfig): CreateSalusClientsReturnType<false>
export function createSalusClients(
  config: NetworkConfig,
  account: Account | Address,
  options?: CreateSalusClientsOptions,
): CreateSalusClientsReturnType<true>
export function createSalusClients(
  config: NetworkConfig,
  account?: Account | Address,
  options: CreateSalusClientsOptions = {},
): CreateSalusClientsReturnType {
  const chain = salusChain(config)
  // Anvil mines on each transaction, so poll receipts quickly there.
  const pollingInterval = config.chainId === localChainId ? 250 : 4_000
  const rpc = () => (config.rpcUrl.startsWith('ws') ? webSocket(config.rpcUrl) : http(config.rpcUrl, { batch: true }))
  const publicClient = createPublicClient({ chain, transport: rpc(), pollingInterval }) as SalusPublicClient
  if (account === undefined) return { chain, publicClient }
  const transport = typeof account === 'string' ? walletTransport(options.provider) : rpc()
  const walletClient = createWalletClient({ chain, account, transport, pollingInterval }) as SalusWalletClient
  return { chain, publicClient, walletClient }
}

function walletTransport(provider: EIP1193Provider | undefined): Transport {
  if (!provider) throw new TypeError('createSalusClients: an address account needs the injected wallet provider that holds its key')
  return custom(provider)
}
