import type { Address, EIP1193Provider, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSalusClients, type SalusPublicClient, type SalusWalletClient } from './createSalusClients.ts'
import type { NetworkConfig } from './networkConfig.ts'

/** How the signed-in account signs: a key held in the page (the local network's demo accounts) or an injected wallet. */
export type AccountSigner = { kind: 'local'; privateKey: Hex } | { kind: 'wallet'; address: Address; provider: EIP1193Provider }

/**
 * The signed-in account's chain clients, built once at sign-in and passed to every page
 * that reads or writes (consent, payments, anchoring), so "which key, on which chain"
 * is answered in one place.
 */
export type AccountClients = {
  config: NetworkConfig
  account: Address
  kind: AccountSigner['kind']
  /** Reads go to the configured RPC. */
  publicClient: SalusPublicClient
  /** Signs as the account: its local key, or the injected wallet it signed in with. */
  walletClient: SalusWalletClient
  /**
   * Before a write: asks an injected wallet to switch to the configured chain, adding the
   * chain first if the wallet does not know it (EIP-3326, EIP-3085). Only when a write is
   * due, never at sign-in: a wallet prompt on page load would be a surprise. Nothing to do
   * for a local key, which always signs for the configured chain.
   */
  ensureChain(): Promise<void>
}

/** EIP-3326: the wallet does not know the requested chain. */
const unrecognizedChainCode = 4902

export function createAccountClients(config: NetworkConfig, signer: AccountSigner): AccountClients {
  if (signer.kind === 'local') {
    const { publicClient, walletClient } = createSalusClients(config, privateKeyToAccount(signer.privateKey))
    return { config, account: walletClient.account.address, kind: 'local', publicClient, walletClient, ensureChain: async () => {} }
  }
  const { publicClient, walletClient } = createSalusClients(config, signer.address, { provider: signer.provider })
  return {
    config,
    account: signer.address,
    kind: 'wallet',
    publicClient,
    walletClient,
    async ensureChain() {
      if ((await walletClient.getChainId()) === walletClient.chain.id) return
      try {
        await walletClient.switchChain({ id: walletClient.chain.id })
      } catch (error) {
        if (errorCode(error) !== unrecognizedChainCode) throw error
        await walletClient.addChain({ chain: walletClient.chain })
        // Most wallets switch on adding; those that do not are asked again.
        if ((await walletClient.getChainId()) !== walletClient.chain.id) await walletClient.switchChain({ id: walletClient.chain.id })
      }
    },
  }
}

/** The EIP-1193 error code, wherever viem wrapped it (SwitchChainError carries the provider's code on a cause). */
function errorCode(error: unknown): unknown {
  for (let current: unknown = error; current && typeof current === 'object'; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code
    if (code === unrecognizedChainCode) return code
  }
  return (error as { code?: unknown } | undefined)?.code
}
