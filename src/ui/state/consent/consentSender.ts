import { parseEther } from 'viem'
import type { SalusWalletClient } from '../../../chain/createSalusClients.ts'
import { fundOneOffAccount } from '../../../chain/fundOneOffAccount.ts'
import type { ConsentContext } from './consentContext.ts'

/** Gas for a revocation and a few reissues (each ~250k gas), with room to spare on anvil. */
const gasAllowance = parseEther('0.02')

/**
 * A fresh account that carries a revocation and its reissues: the proofs hold the
 * patient's authority, so any account may send them, and a one-off one keeps the
 * patient's wallet (and any link between two revocations) off chain.
 */
export async function consentSender(context: ConsentContext): Promise<SalusWalletClient> {
  return (await fundOneOffAccount(context.config, { allowance: gasAllowance, purpose: 'Revoking' })).walletClient
}
