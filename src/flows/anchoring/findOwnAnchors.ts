import { privateKeyToAccount } from 'viem/accounts'
import type { AccountClients } from '../../chain/accountClients.ts'
import { getAnchoredBatches } from '../../chain/getAnchoredBatches.ts'
import { anchorSenderKey } from '../../core/anchor/anchorSender.ts'

/**
 * Whether this account's vault has anchored before (on any device): its first anchor
 * sender (derived from the vault key, openAnchorer) submitted a batch. A fresh browser
 * then offers "Restore from backup" instead of an empty vault. Throws on chain read errors.
 */
export async function findOwnAnchors(clients: AccountClients, vaultKey: Uint8Array): Promise<{ batches: number }> {
  const { config, publicClient } = clients
  const submitter = privateKeyToAccount(anchorSenderKey(vaultKey, 0)).address
  const { batches } = await getAnchoredBatches(publicClient, {
    anchors: config.contracts.Anchors.address,
    fromBlock: BigInt(config.contracts.Anchors.deployBlock),
    submitter,
  })
  return { batches: batches.length }
}
