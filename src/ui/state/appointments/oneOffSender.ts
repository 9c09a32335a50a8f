import { parseEther, type Hash, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { waitForTransactionReceipt } from 'viem/actions'
import { createSalusClients, type SalusWalletClient } from '../../../chain/createSalusClients.ts'
import { PaymentsUnavailableError, type PaymentContext } from './paymentContext.ts'
import { toChainError } from '../../../chain/chainErrors.ts'

/** Gas for a covered booking (about 425k gas) and a later cancellation or attendance confirmation, with room to spare on anvil. */
export const oneOffGasAllowance = parseEther('0.01')

/**
 * A fresh account for one covered booking, funded for gas by the local network's
 * faucet. The patient's own account never appears in the booking, and two covered
 * bookings never share a sender. Only on the local network: elsewhere this needs a
 * relayer, which this app does not have yet.
 */
export async function oneOffSender(context: PaymentContext): Promise<{ privateKey: Hex; walletClient: SalusWalletClient; fundingTxHash: Hash }> {
  const faucet = context.faucet
  if (!faucet) {
    throw new PaymentsUnavailableError('Covered bookings need a relayer to send them without your address, and this network has none. You can still pay the fee yourself.')
  }
  const privateKey = generatePrivateKey()
  const { walletClient } = createSalusClients(context.config, privateKeyToAccount(privateKey))
  const { walletClient: faucetClient } = createSalusClients(context.config, privateKeyToAccount(faucet.privateKey))
  // The faucet is shared by every tab: two funding transactions at once may pick the same nonce.
  for (let attempt = 1; ; attempt++) {
    try {
      const fundingTxHash = await faucetClient.sendTransaction({ to: walletClient.account.address, value: oneOffGasAllowance })
      await waitForTransactionReceipt(context.publicClient, { hash: fundingTxHash })
      return { privateKey, walletClient, fundingTxHash }
    } catch (error) {
      if (attempt < 3 && /nonce/i.test(String((error as { details?: unknown }).details ?? (error as Error).message))) continue
      throw toChainError(error, context.publicClient)
    }
  }
}
