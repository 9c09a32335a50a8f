import { parseEther } from 'viem'
import type { AccountClients } from '../../chain/accountClients.ts'
import { chainAnchorer } from '../../chain/chainAnchorer.ts'
import { fundOneOffAccount } from '../../chain/fundOneOffAccount.ts'
import type { Anchorer } from '../../core/vault/types.ts'

/** An anchor costs ~75k gas for 100 records; room to spare on anvil. */
const anchorGasAllowance = parseEther('0.005')

/**
 * The chain side of anchoring for this account, or undefined when there is no
 * configured chain (the vault then keeps records waiting, and says why).
 * Anchors are never sent from the patient's wallet (so it needs no chain switch): each
 * batch goes out from a fresh one-off account (funded by the local faucet; elsewhere a
 * relayer is needed, and records wait with a sentence saying so), so no anchor points
 * at the patient and two batches of one patient share no sender. Reads use the
 * account's public client.
 */
export async function openAnchorer(clients: AccountClients | undefined): Promise<Anchorer | undefined> {
  if (!clients) return undefined
  const { config, publicClient } = clients
  const anchors = config.contracts.Anchors.address
  const reader = chainAnchorer({ publicClient, anchors })
  return {
    chainId: config.chainId,
    contract: reader.contract,
    async anchor(root, count) {
      const { walletClient } = await fundOneOffAccount(config, { allowance: anchorGasAllowance, purpose: 'Anchoring' })
      return chainAnchorer({ publicClient, walletClient, anchors }).anchor(root, count)
    },
    readRoot: (batchId) => reader.readRoot(batchId),
  }
}
