import type { Address, EIP1193Provider } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { chainAnchorer } from '../../chain/chainAnchorer.ts'
import { createSalusClients } from '../../chain/createSalusClients.ts'
import type { LocalAccount, NetworkConfig } from '../../chain/networkConfig.ts'
import type { Anchorer } from '../../core/vault/types.ts'

export type OpenAnchorerParameters = {
  config: NetworkConfig | undefined
  account: Address
  /** Set when the account is a built-in local account (it signs in the page). */
  local?: LocalAccount
  /** Set when the account lives in an injected wallet. */
  wallet?: { provider: EIP1193Provider }
}

/**
 * The chain side of anchoring for this account, or undefined when there is no
 * configured chain (the vault then keeps records waiting, and says why).
 */
export async function openAnchorer(parameters: OpenAnchorerParameters): Promise<Anchorer | undefined> {
  const { config, local, wallet } = parameters
  if (!config) return undefined
  if (local) {
    const { publicClient, walletClient } = createSalusClients(config, privateKeyToAccount(local.privateKey))
    return chainAnchorer({ publicClient, walletClient, anchors: config.contracts.Anchors.address })
  }
  if (!wallet) return undefined
  const { chain, publicClient, walletClient } = createSalusClients(config, parameters.account, { provider: wallet.provider })
  const anchorer = chainAnchorer({ publicClient, walletClient, anchors: config.contracts.Anchors.address })
  return {
    ...anchorer,
    chainId: anchorer.chainId,
    contract: anchorer.contract,
    // Ask the wallet to switch only when a transaction is due, not at sign-in.
    async anchor(root, count) {
      if ((await walletClient.getChainId()) !== chain.id) {
        try {
          await walletClient.switchChain({ id: chain.id })
        } catch (error) {
          if ((error as { code?: unknown }).code !== 4902) throw error
          await walletClient.addChain({ chain })
        }
      }
      return anchorer.anchor(root, count)
    },
    readRoot: (batchId) => anchorer.readRoot(batchId),
  }
}
