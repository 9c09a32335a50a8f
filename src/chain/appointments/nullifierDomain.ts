import { encodeAbiParameters, keccak256, type Address } from 'viem'

export type NullifierDomainParameters = { chainId: number; insurance: Address }

/**
 * What a deployment's eligibility nullifiers are bound to, exactly as
 * Insurance.nullifierDomain: uint256(keccak256(abi.encode(chainid, insurance))) >> 8.
 * The same member's nullifiers on another chain or another Insurance share nothing.
 */
export function nullifierDomain({ chainId, insurance }: NullifierDomainParameters): bigint {
  return BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'address' }], [BigInt(chainId), insurance]))) >> 8n
}
