import type { Address } from 'viem'
import type { AccountClients } from '../../../chain/accountClients.ts'
import type { SalusPublicClient, SalusWalletClient } from '../../../chain/createSalusClients.ts'
import { localChainId, type LocalAccount, type NetworkConfig } from '../../../chain/networkConfig.ts'
import { PaymentsUnavailableError } from '../../../flows/appointments/coveredBookingContext.ts'

/** Everything the appointment, schedule and insurance pages need to talk to the payment contracts. */
export type PaymentContext = {
  config: NetworkConfig
  chainId: number
  account: Address
  appointments: Address
  insurance: Address
  /** The earlier of the two deployment blocks: event scans start there. */
  fromBlock: bigint
  publicClient: SalusPublicClient
  /** Signs as the signed-in account (its local key, or the injected wallet it signed in with). */
  walletClient: SalusWalletClient
  /** Before a write from the account: asks an injected wallet to switch to this network (local accounts are always on it). */
  ensureChain(): Promise<void>
  /** The local network's funding account, which pays gas for one-off covered-booking accounts (local chain only). */
  faucet: LocalAccount | undefined
}

/** Builds the context from the account's clients (made at sign-in), or throws a sentence saying what is missing. */
export function paymentContext(workspace: { readonly clients: AccountClients | undefined }): PaymentContext {
  const clients = workspace.clients
  if (!clients) throw new PaymentsUnavailableError('No network is configured, so appointments cannot be booked. Start the local network (npm start) and reload.')
  const { config } = clients
  const { Appointments, Insurance } = config.contracts
  if (!Appointments || !Insurance) {
    throw new PaymentsUnavailableError('Appointments and insurance are not deployed on this network. Redeploy the contracts (npm start) and reload.')
  }
  const faucet = config.chainId === localChainId ? config.localAccounts?.find((candidate) => candidate.role === 'registrar') : undefined
  return {
    config,
    chainId: config.chainId,
    account: clients.account,
    appointments: Appointments.address,
    insurance: Insurance.address,
    fromBlock: BigInt(Math.min(Appointments.deployBlock, Insurance.deployBlock)),
    publicClient: clients.publicClient,
    walletClient: clients.walletClient,
    ensureChain: () => clients.ensureChain(),
    faucet,
  }
}
