import { encodeAbiParameters, keccak256, type Address } from 'viem'

/** BN254 scalar field order r: public signals must be below it. */
const snarkScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

export type BookingHashParameters = { slotId: bigint; doctor: Address; appointments: Address; chainId: number }

/**
 * The booking an eligibility proof is bound to, exactly as Insurance.bookingHash:
 * keccak256(abi.encode(slotId, doctor, appointments, chainid)) mod r.
 */
export function bookingHash({ slotId, doctor, appointments, chainId }: BookingHashParameters): bigint {
  const encoded = encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }],
    [slotId, doctor, appointments, BigInt(chainId)],
  )
  return BigInt(keccak256(encoded)) % snarkScalarField
}
