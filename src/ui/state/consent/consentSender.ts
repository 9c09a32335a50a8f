import { parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { waitForTransactionReceipt } from 'viem/actions'
import { createSalusClients, type SalusWalletClient } from '../../../chain/createSalusClients.ts'
import { localChainId } from '../../../chain/networkConfig.ts'
import type { ConsentContext } from './consentContext.ts'
import { SharingUnavailableError } from './consentErrors.ts'

/** Gas for a revocation and a few reissues (each ~250k gas), with room to spare on anvil. */
const gasAllowance = parseEther('0.02')

/**
 * A fresh account that carries a revocation and its reissues: the proofs hold the
 * patient's authority, so any account may send them, and a one-off one keeps the
 * patient's wallet (and any link between two revocations) off chain. Funded by the
 * local network's faucet; elsewhere a relayer is needed, which this app does not have yet.
 */
export async function consentSender(context: ConsentContext): Promise<SalusWalletClient> {
  const { config } = context
  const faucet = config.chainId === localChainId ? config.localAccounts?.find((candidate) => candidate.role === 'registrar') : undefined
  if (!faucet) {
    throw new SharingUnavailableError('Revoking needs a relayer to send the revocation without your address, and this network has none yet. Your grant stays active until it expires.')
  }
  const { walletClient } = createSalusClients(config, privateKeyToAccount(generatePrivateKey()))
  const { walletClient: faucetClient } = createSalusClients(config, privateKeyToAccount(faucet.privateKey))
  // The faucet is shared by every tab: two funding transactions at once may pick the same nonce.
  for (let attempt = 1; ; attempt++) {
    try {
      const hash = await faucetClient.sendTransaction({ to: walletClient.account.address, value: gasAllowance })
      await waitForTransactionReceipt(context.publicClient, { hash })
      return walletClient
    } catch (error) {
      if (attempt < 3 && /nonce/i.test(String((error as { details?: unknown }).details ?? (error as Error).message))) continue
      throw error
    }
  }
}
