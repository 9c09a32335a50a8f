import { parseEther, type Hash, type Hex } from 'viem'
import type { SalusWalletClient } from '../../chain/createSalusClients.ts'
import { fundOneOffAccount, NoRelayerError } from '../../chain/fundOneOffAccount.ts'
import { toChainError } from '../../chain/chainErrors.ts'
import { PaymentsUnavailableError, type CoveredBookingContext } from './coveredBookingContext.ts'

/** Gas for a covered booking (about 425k gas) and a later cancellation or attendance confirmation, with room to spare on anvil. */
export const oneOffGasAllowance = parseEther('0.01')

/**
 * A fresh account for one covered booking, funded for gas by the local network's
 * faucet (fundOneOffAccount). The patient's own account never appears in the booking,
 * and two covered bookings never share a sender. Only on the local network: elsewhere
 * this needs a relayer, which this app does not have yet.
 */
export async function oneOffSender(context: Pick<CoveredBookingContext, 'config' | 'publicClient'>): Promise<{ privateKey: Hex; walletClient: SalusWalletClient; fundingTxHash: Hash }> {
  try {
    return await fundOneOffAccount(context.config, { allowance: oneOffGasAllowance, purpose: 'A covered booking' })
  } catch (error) {
    if (error instanceof NoRelayerError) {
      throw new PaymentsUnavailableError('Covered bookings need a relayer to send them without your address, and this network has none. You can still pay the fee yourself.')
    }
    throw toChainError(error, context.publicClient)
  }
}
