import type { Address } from 'viem'
import type { SalusPublicClient } from '../../chain/createSalusClients.ts'
import type { NetworkConfig } from '../../chain/networkConfig.ts'
import { SalusError } from '../../errors/salusError.ts'

/** What a covered booking needs of the network (the app's PaymentContext is one). */
export type CoveredBookingContext = {
  /** The network: on the local one its funding account pays gas for the one-off sender. */
  config: NetworkConfig
  chainId: number
  appointments: Address
  insurance: Address
  /** The earlier of the two deployment blocks: event scans start there. */
  fromBlock: bigint
  publicClient: SalusPublicClient
}

export class PaymentsUnavailableError extends SalusError {
  override name = 'PaymentsUnavailableError' as const
}
