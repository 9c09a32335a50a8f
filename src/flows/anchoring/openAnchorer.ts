import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { getTransactionCount } from 'viem/actions'
import type { AccountClients } from '../../chain/accountClients.ts'
import { chainAnchorer } from '../../chain/chainAnchorer.ts'
import { fundOneOffAccount } from '../../chain/fundOneOffAccount.ts'
import { anchorSenderKey } from '../../core/anchor/anchorSender.ts'
import type { Anchorer } from '../../core/vault/types.ts'

/** An anchor costs ~75k gas for 100 records; room to spare on anvil. */
const anchorGasAllowance = parseEther('0.005')

/**
 * The chain side of anchoring for this account, or undefined when there is no
 * configured chain (the vault then keeps records waiting, and says why).
 * Anchors are never sent from the patient's wallet (so it needs no chain switch): each
 * batch goes out from its own one-off account (funded by the local faucet; elsewhere a
 * relayer is needed, and records wait with a sentence saying so), so no anchor points
 * at the patient and two batches of one patient share no sender. With `vaultKey`, the
 * one-off accounts are derived from it (the first unused one each time), so a fresh
 * browser can tell that this account has anchored before (findOwnAnchors). Reads use
 * the account's public client.
 */
export async function openAnchorer(clients: AccountClients | undefined, vaultKey?: Uint8Array): Promise<Anchorer | undefined> {
  if (!clients) return undefined
  const { config, publicClient } = clients
  const anchors = config.contracts.Anchors.address
  const reader = chainAnchorer({ publicClient, anchors })
  let next = 0
  const nextSenderKey = async () => {
    if (!vaultKey) return undefined
    // An account that has sent a transaction has anchored a batch: skip it.
    for (;;) {
      const key = anchorSenderKey(vaultKey, next)
      const sent = await getTransactionCount(publicClient, { address: privateKeyToAccount(key).address, blockTag: 'latest' })
      if (sent === 0) return key
      next++
    }
  }
  return {
    chainId: config.chainId,
    contract: reader.contract,
    async anchor(root, count) {
      const privateKey = await nextSenderKey()
      const { walletClient } = await fundOneOffAccount(config, { allowance: anchorGasAllowance, purpose: 'Anchoring', ...(privateKey ? { privateKey } : {}) })
      const anchored = await chainAnchorer({ publicClient, walletClient, anchors }).anchor(root, count)
      if (privateKey) next++
      return anchored
    },
    readRoot: (batchId) => reader.readRoot(batchId),
  }
}
