import * as poseidonSolidity from 'poseidon-solidity'
import { getAddress, type Address, type Hex } from 'viem'
import { getCode, sendRawTransaction, sendTransaction, waitForTransactionReceipt } from 'viem/actions'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import type { PaymentsWalletClient } from '../appointments/sendPaymentTransaction.ts'

// A CommonJS package whose exports Node cannot detect statically: take them from its default.
const { PoseidonT3, proxy } = (poseidonSolidity as { default?: typeof poseidonSolidity }).default ?? poseidonSolidity

/** Where poseidon-solidity's presigned CREATE2 deployment puts PoseidonT3 on any chain. */
export const poseidonT3Address: Address = getAddress(PoseidonT3.address)

/**
 * Makes sure PoseidonT3 (the hasher of Insurance's member trees) is deployed, through
 * the deterministic deployment proxy, deploying the proxy first from its presigned
 * keyless transaction if the chain lacks it (anvil has it). Idempotent.
 */
export async function deployPoseidonT3(client: PaymentsWalletClient): Promise<Address> {
  if (await hasCode(client, poseidonT3Address)) return poseidonT3Address
  if (!(await hasCode(client, proxy.address as Address))) {
    const funding = await sendTransaction(client, {
      to: proxy.from as Address,
      value: BigInt(proxy.gas),
      chain: client.chain,
      account: client.account,
    })
    await waitForTransactionReceipt(client, { hash: funding })
    await waitForTransactionReceipt(client, { hash: await sendRawTransaction(client, { serializedTransaction: proxy.tx as Hex }) })
  }
  const hash = await sendTransaction(client, {
    to: proxy.address as Address,
    data: PoseidonT3.data as Hex,
    chain: client.chain,
    account: client.account,
  })
  await waitForTransactionReceipt(client, { hash })
  if (!(await hasCode(client, poseidonT3Address))) throw new UnexpectedChainDataError(`PoseidonT3 did not appear at ${poseidonT3Address}`)
  return poseidonT3Address
}

async function hasCode(client: PaymentsWalletClient, address: Address): Promise<boolean> {
  const code = await getCode(client, { address })
  return code !== undefined && code !== '0x'
}
