import { parseEventLogs, type Address, type Hash, type Hex } from 'viem'
import { Pharmacy } from '../generated/Pharmacy.ts'
import { ChainInputError, UnexpectedChainDataError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'
import { prescriptionMessage, type PrescriptionToken } from '../../core/pharmacy/prescription.ts'

export type DispensePrescriptionParameters = {
  /** The Pharmacy contract. */
  pharmacy: Address
  /** The prescription as the patient presented it (decodePrescriptionToken). */
  token: PrescriptionToken
  /** What the patient owes for this dispense, in wei (0 for nothing). */
  price: bigint
}
export type DispensePrescriptionReturnType = {
  invoiceId: bigint
  rxHash: Hex
  /** 1 for the first fill, 2 for the first repeat, … */
  dispenseNumber: number
  txHash: Hash
  blockNumber: bigint
}
export type DispensePrescriptionErrorType = WriteChainErrorType | ChainInputError

/**
 * A certified pharmacist (the client's account) records a dispense of `token` on chain
 * and opens its invoice. The chain checks the doctor's signature against the Registry
 * now, the repeats left and the expiry (ContractRefusedError Pharmacy__… otherwise).
 * Only the salted hash, the terms and the signature travel; never the content.
 */
export async function dispensePrescription(client: PaymentsWalletClient, { pharmacy, token, price }: DispensePrescriptionParameters): Promise<DispensePrescriptionReturnType> {
  if (typeof price !== 'bigint' || price < 0n || price >= 1n << 72n) throw new ChainInputError('Enter the price in ETH, zero or more.', `price ${String(price)}`)
  const rx = prescriptionMessage(token)
  const sent = await sendTransaction(client, { address: pharmacy, abi: Pharmacy.abi, functionName: 'dispense', args: [rx, token.signature, price] })
  const [event] = parseEventLogs({ abi: Pharmacy.abi, eventName: 'Dispensed', logs: sent.receipt.logs })
  if (!event) throw new UnexpectedChainDataError(`no Dispensed event in transaction ${sent.txHash}`)
  return { invoiceId: event.args.invoiceId, rxHash: rx.rxHash, dispenseNumber: Number(event.args.dispenseNumber), txHash: sent.txHash, blockNumber: sent.blockNumber }
}
