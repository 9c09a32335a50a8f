// A local chain with Salus deployed (and by default seeded with the demo accounts), with
// clients for anvil's demo accounts: the stack tests and benchmarks build on. Node only.
import { createPublicClient, createTestClient, createWalletClient, http, type Account, type Chain, type Transport, type WalletClient } from 'viem'
import { foundry } from 'viem/chains'
import type { NetworkConfig } from '../networkConfig.ts'
import { anvilAccount, deploySalus } from './deploySalus.ts'
import { startAnvil, type Anvil } from './startAnvil.ts'

/** anvil mines at once: poll receipts often (viem's default for an unknown block time is 4 s). */
const pollingInterval = 250

export type LocalChain = {
  anvil: Anvil
  rpcUrl: string
  chainId: number
  config: NetworkConfig
  publicClient: ReturnType<typeof createPublicClient>
  testClient: ReturnType<typeof createTestClient>
  /** A wallet client for anvil's demo account `index` (src/chain/deploy/deploySalus.ts `demoAccounts`). */
  wallet(index: number): WalletClient<Transport, Chain, Account>
  /** Kills anvil once viem's last receipt polls have had time to finish. */
  stop(): Promise<void>
}

export async function startLocalChain({ seed = true }: { seed?: boolean } = {}): Promise<LocalChain> {
  const anvil = await startAnvil({ chainId: foundry.id })
  try {
    const transport = http(anvil.rpcUrl, { retryCount: 0 })
    const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed })
    return {
      anvil,
      rpcUrl: anvil.rpcUrl,
      chainId: foundry.id,
      config,
      publicClient: createPublicClient({ chain: foundry, transport, pollingInterval }),
      testClient: createTestClient({ chain: foundry, mode: 'anvil', transport }),
      wallet: (index) => createWalletClient({ account: anvilAccount(index).account, chain: foundry, transport, pollingInterval }),
      // Killed at once, a poll viem still had scheduled after a receipt arrived failed
      // outside any promise (ECONNRESET) and crashed the process now and then.
      stop: async () => {
        await new Promise((resolve) => setTimeout(resolve, 3 * pollingInterval))
        anvil.stop()
      },
    }
  } catch (error) {
    anvil.stop()
    throw error
  }
}
