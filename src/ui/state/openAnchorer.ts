import { parseEther, type Address, type EIP1193Provider } from 'viem'
import { chainAnchorer } from '../../chain/chainAnchorer.ts'
import { createSalusClients } from '../../chain/createSalusClients.ts'
import { fundOneOffAccount } from '../../chain/fundOneOffAccount.ts'
import type { LocalAccount, NetworkConfig } from '../../chain/networkConfig.ts'
import type { Anchorer } from '../../core/vault/types.ts'

/** An anchor costs ~75k gas for 100 records; room to spare on anvil. */
const anchorGasAllowance = parseEther('0.005')

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
 * Anchors are never sent from the patient's wallet: each batch goes out from a fresh
 * one-off account (funded by the local faucet; elsewhere a relayer is needed, and
 * records wait with a sentence saying so), so no anchor points at the patient and
 * two batches of one patient share no sender.
 */
export async function openAnchorer(parameters: OpenAnchorerParameters): Promise<Anchorer | undefined> {
  const { config } = parameters
  if (!config) return undefined
  const { publicClient } = createSalusClients(config)
  const reader = chainAnchorer({ publicClient, anchors: config.contracts.Anchors.address })
  return {
    chainId: config.chainId,
    contract: reader.contract,
    async anchor(root, count) {
      const { walletClient } = await fundOneOffAccount(config, { allowance: anchorGasAllowance, purpose: 'Anchoring' })
      return chainAnchorer({ publicClient, walletClient, anchors: config.contracts.Anchors.address }).anchor(root, count)
    },
    readRoot: (batchId) => reader.readRoot(batchId),
  }
}
