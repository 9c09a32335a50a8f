import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createSalusClients, type SalusPublicClient, type SalusWalletClient } from '../../../chain/createSalusClients.ts'
import { localChainId, type LocalAccount, type NetworkConfig } from '../../../chain/networkConfig.ts'
import { SalusError } from '../../../errors/salusError.ts'
import type { Session } from '../Session.svelte.ts'
import type { Workspace } from '../Workspace.svelte.ts'

export class PaymentsUnavailableError extends SalusError {
  override name = 'PaymentsUnavailableError' as const
}

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
  /** Before a write: asks an injected wallet to switch to this network (local accounts are always on it). */
  ready(): Promise<void>
  /** The local network's funding account, which pays gas for one-off covered-booking accounts (local chain only). */
  faucet: LocalAccount | undefined
}

/** Builds the context for the signed-in account, or throws a sentence saying what is missing. */
export function paymentContext(session: Session, workspace: Workspace): PaymentContext {
  const config = session.config
  if (!config) throw new PaymentsUnavailableError('No network is configured, so appointments cannot be booked. Start the local network (npm start) and reload.')
  const { Appointments, Insurance } = config.contracts
  if (!Appointments || !Insurance) {
    throw new PaymentsUnavailableError('Appointments and insurance are not deployed on this network. Redeploy the contracts (npm start) and reload.')
  }
  const address = workspace.account.address
  const local = config.localAccounts?.find((candidate) => candidate.address.toLowerCase() === address.toLowerCase())
  let walletClient: SalusWalletClient
  let ready = async () => {}
  if (local) {
    walletClient = createSalusClients(config, privateKeyToAccount(local.privateKey)).walletClient
  } else {
    // The wallet this tab signed in with is the one Session remembers.
    const wallet = session.wallets.find((candidate) => session.isRemembered(candidate))
    if (!wallet) throw new PaymentsUnavailableError('Your wallet is not connected any more. Sign out and sign in again.')
    const client = createSalusClients(config, address, { provider: wallet.provider }).walletClient
    walletClient = client
    // Only when a transaction is due, as anchoring does: a wallet prompt at page load would be a surprise.
    ready = async () => {
      if ((await client.getChainId()) === client.chain.id) return
      try {
        await client.switchChain({ id: client.chain.id })
      } catch (error) {
        if ((error as { code?: unknown }).code !== 4902) throw error
        await client.addChain({ chain: client.chain })
      }
    }
  }
  const faucet = config.chainId === localChainId ? config.localAccounts?.find((candidate) => candidate.role === 'registrar') : undefined
  return {
    config,
    chainId: config.chainId,
    account: address,
    appointments: Appointments.address,
    insurance: Insurance.address,
    fromBlock: BigInt(Math.min(Appointments.deployBlock, Insurance.deployBlock)),
    publicClient: createSalusClients(config).publicClient,
    walletClient,
    ready,
    faucet,
  }
}
