// SPDX-License-Identifier: GPL-3.0-or-later
import { encodeAbiParameters, isAddress, keccak256, type Address, type Hex } from 'viem'
import { ChainInputError } from '../chainErrors.ts'

/** Most proxies one grant may name; far above a sensible t-of-n. */
export const maxProxies = 32

export type ProxiesCommitmentParameters = {
  proxies: readonly Address[]
  /** 32 random bytes, fresh per grant; travels in the key-fragment bundle to the doctor and the proxies. */
  salt: Hex
}

/**
 * The `proxiesHash` of a grant: uint256(keccak256(abi.encode(address[] proxies, bytes32 salt))) >> 8.
 * Salted so that two grants naming the same proxies share no value on chain; the
 * shift keeps it below the BN254 field, as grantParamsHash requires.
 */
export function proxiesCommitment({ proxies, salt }: ProxiesCommitmentParameters): bigint {
  if (!Array.isArray(proxies) || proxies.length === 0 || proxies.length > maxProxies) {
    throw new ChainInputError(`Choose between 1 and ${maxProxies} proxies.`, `${proxies?.length} proxies`)
  }
  for (const proxy of proxies) {
    if (!isAddress(proxy, { strict: false })) throw new ChainInputError('A proxy address is not a valid Ethereum address.', String(proxy))
  }
  if (typeof salt !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(salt)) {
    throw new ChainInputError('The proxies’ salt must be 32 bytes.', String(salt))
  }
  return BigInt(keccak256(encodeAbiParameters([{ type: 'address[]' }, { type: 'bytes32' }], [proxies, salt]))) >> 8n
}
