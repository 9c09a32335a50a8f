import type { Address, Chain, Client, Hex, Transport } from 'viem'
import type { PrescriptionToken } from '../../core/pharmacy/prescription.ts'

/** An invoice as the Pharmacy contract holds it. */
export type ChainInvoice = { pharmacist: Address; amount: bigint; status: 'none' | 'open' | 'paid' | 'paid-covered' }

/**
 * What the pharmacy flows use of the chain: the deployment, a read client for the Registry,
 * and the Pharmacy contract's actions (src/chain/pharmacy, s4-rxchain) bound to the signed-in
 * account's wallet. Narrow on purpose: the page binds it (ui/state/pharmacy/pharmacyChainOf.ts),
 * a unit test can give its own.
 */
export type PharmacyChain = {
  chainId: number
  pharmacy: Address
  registry: Address
  /** The Registry's deployment block (role histories are read from it). */
  registryFromBlock: bigint
  client: Client<Transport, Chain | undefined>
  /** How many times `rxHash` was dispensed. */
  dispenseCount(rxHash: Hex): Promise<number>
  readInvoice(invoiceId: bigint): Promise<ChainInvoice>
  /** By the signed-in pharmacist: opens invoice `price` wei. */
  dispense(token: PrescriptionToken, price: bigint): Promise<{ invoiceId: bigint; dispenseNumber: number; txHash: Hex }>
  /** Exactly `amount` wei from the signed-in account. */
  payInvoice(invoiceId: bigint, amount: bigint): Promise<{ txHash: Hex }>
  /** What the signed-in pharmacist can withdraw. */
  withdrawable(account: Address): Promise<bigint>
  withdraw(): Promise<{ txHash: Hex; amount: bigint }>
  /** The signed-in pharmacist's dispenses, newest first. */
  sales(account: Address): Promise<{ invoiceId: bigint; rxHash: Hex; dispenseNumber: number; amount: bigint; paid: boolean; txHash: Hex; blockNumber: bigint }[]>
}
