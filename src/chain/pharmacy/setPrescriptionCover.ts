import type { Address, Hash } from 'viem'
import { Insurance } from '../generated/Insurance.ts'
import { ChainInputError, type WriteChainErrorType } from '../chainErrors.ts'
import { sendTransaction } from '../sendTransaction.ts'
import type { PaymentsWalletClient } from '../appointments/paymentsClients.ts'

export type SetPrescriptionCoverParameters = {
  insurance: Address
  planId: bigint
  /** Wei paid per covered dispense (at most the invoice is drawn); 0 with perPeriod 0 stops covering prescriptions. */
  amountCovered: bigint
  /** 0..255 covered dispenses in each of the plan's periods. */
  perPeriod: number
}
export type SetPrescriptionCoverReturnType = { txHash: Hash; blockNumber: bigint }
export type SetPrescriptionCoverErrorType = WriteChainErrorType | ChainInputError

/** The plan's insurer says what the plan covers of prescriptions. */
export async function setPrescriptionCover(client: PaymentsWalletClient, { insurance, planId, amountCovered, perPeriod }: SetPrescriptionCoverParameters): Promise<SetPrescriptionCoverReturnType> {
  if (typeof amountCovered !== 'bigint' || amountCovered < 0n || amountCovered >= 1n << 96n) {
    throw new ChainInputError('Enter the amount covered per prescription, in ETH.', `amountCovered ${String(amountCovered)}`)
  }
  if (!Number.isInteger(perPeriod) || perPeriod < 0 || perPeriod > 255) throw new ChainInputError('Prescriptions per period must be between 0 and 255.', `perPeriod ${perPeriod}`)
  if ((amountCovered === 0n) !== (perPeriod === 0)) {
    throw new ChainInputError('Give both an amount and a number of prescriptions per period, or neither to stop covering prescriptions.')
  }
  const { txHash, blockNumber } = await sendTransaction(client, { address: insurance, abi: Insurance.abi, functionName: 'setPrescriptionCover', args: [planId, amountCovered, perPeriod] })
  return { txHash, blockNumber }
}
