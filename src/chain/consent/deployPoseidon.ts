// SPDX-License-Identifier: GPL-3.0-or-later
import * as poseidonSolidity from 'poseidon-solidity'
import { getAddress, type Address, type Hex } from 'viem'
import { getCode, sendRawTransaction, sendTransaction, waitForTransactionReceipt } from 'viem/actions'
import { UnexpectedChainDataError } from '../chainErrors.ts'
import type { ConsentWalletClient } from './consentErrors.ts'

// A CommonJS package whose exports Node cannot detect statically: take them from its default.
const pkg = (poseidonSolidity as { default?: typeof poseidonSolidity }).default ?? poseidonSolidity

export type PoseidonWidth = 'PoseidonT3' | 'PoseidonT4' | 'PoseidonT6'

/** Where poseidon-solidity's presigned CREATE2 deployment puts each hasher on any chain. */
export function poseidonAddress(width: PoseidonWidth): Address {
  return getAddress(pkg[width].address)
}

/**
 * Makes sure poseidon-solidity's `width` hasher is deployed at its deterministic
 * address (deploying the CREATE2 proxy from its presigned keyless transaction first
 * if the chain lacks it). Idempotent, so Consent and Insurance can share the hashers.
 */
export async function deployPoseidon(client: ConsentWalletClient, { width }: { width: PoseidonWidth }): Promise<Address> {
  const target = poseidonAddress(width)
  if (await hasCode(client, target)) return target
  const proxy = pkg.proxy
  if (!(await hasCode(client, proxy.address as Address))) {
    const funding = await sendTransaction(client, { to: proxy.from as Address, value: BigInt(proxy.gas), chain: client.chain, account: client.account })
    await waitForTransactionReceipt(client, { hash: funding })
    await waitForTransactionReceipt(client, { hash: await sendRawTransaction(client, { serializedTransaction: proxy.tx as Hex }) })
  }
  const hash = await sendTransaction(client, { to: proxy.address as Address, data: pkg[width].data as Hex, chain: client.chain, account: client.account })
  await waitForTransactionReceipt(client, { hash })
  if (!(await hasCode(client, target))) throw new UnexpectedChainDataError(`${width} did not appear at ${target}`)
  return target
}

async function hasCode(client: ConsentWalletClient, address: Address): Promise<boolean> {
  const code = await getCode(client, { address })
  return code !== undefined && code !== '0x'
}
