import { encodeAbiParameters, keccak256, type Address } from 'viem'

/** BN254 scalar field order r: public signals must be below it. */
const snarkScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

export type PrescriptionCoverHashParameters = { invoiceId: bigint; pharmacist: Address; pharmacy: Address; chainId: number; payer: Address }

/**
 * The invoice a prescription cover proof is bound to, exactly as
 * Insurance.prescriptionCoverHash: keccak256(abi.encode(invoiceId, pharmacist, pharmacy,
 * chainid, payer)) mod r. `payer` is the account that will send the payment: a copy of
 * the proof sent by any other account fails.
 */
export function prescriptionCoverHash({ invoiceId, pharmacist, pharmacy, chainId, payer }: PrescriptionCoverHashParameters): bigint {
  const encoded = encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'address' }],
    [invoiceId, pharmacist, pharmacy, BigInt(chainId), payer],
  )
  return BigInt(keccak256(encoded)) % snarkScalarField
}
