import type {
  Abi,
  Account,
  Address,
  Chain,
  Client,
  ContractFunctionArgs,
  ContractFunctionName,
  Hash,
  TransactionReceipt,
  Transport,
} from 'viem'
import { waitForTransactionReceipt, writeContract } from 'viem/actions'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import { toPaymentsError } from './paymentsErrors.ts'

export type PaymentsWalletClient = Client<Transport, Chain | undefined, Account>
export type PaymentsPublicClient = Client<Transport, Chain | undefined>

export type SentPayment = { txHash: Hash; blockNumber: bigint; receipt: TransactionReceipt }

/**
 * Sends one write to Appointments or Insurance (with `value` when it pays), waits for
 * it to be mined, and maps a revert to PaymentRefusedError with the contract's reason.
 */
export async function sendPaymentTransaction<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, 'nonpayable' | 'payable'>,
>(
  client: PaymentsWalletClient,
  call: {
    address: Address
    abi: abi
    functionName: functionName
    args: ContractFunctionArgs<abi, 'nonpayable' | 'payable', functionName>
    value?: bigint
  },
): Promise<SentPayment> {
  try {
    // The generic write parameters are too deep for TypeScript to re-check here; callers are typed.
    const txHash = await writeContract(client, { ...call, chain: client.chain, account: client.account } as never)
    const receipt = await waitForTransactionReceipt(client, { hash: txHash })
    if (receipt.status !== 'success') throw new UnexpectedChainDataError(`transaction ${txHash} reverted`)
    return { txHash, blockNumber: receipt.blockNumber, receipt }
  } catch (error) {
    throw toPaymentsError(error, client)
  }
}
