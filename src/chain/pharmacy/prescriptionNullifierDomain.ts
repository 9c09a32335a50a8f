import { encodeAbiParameters, keccak256, type Address } from 'viem'

export type PrescriptionNullifierDomainParameters = { chainId: number; insurance: Address }

/**
 * The domain of covered prescriptions' nullifiers, exactly as
 * Insurance.prescriptionNullifierDomain: uint256(keccak256(abi.encode(chainid, insurance,
 * "prescription"))) >> 8. Apart from visits' (nullifierDomain): a member's covered
 * dispenses and covered visits never share a nullifier.
 */
export function prescriptionNullifierDomain({ chainId, insurance }: PrescriptionNullifierDomainParameters): bigint {
  return BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'address' }, { type: 'string' }], [BigInt(chainId), insurance, 'prescription']))) >> 8n
}
