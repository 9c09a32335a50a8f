import { encodeAbiParameters, keccak256, type Address } from 'viem'

/** BN254 scalar field order r: public signals must be below it. */
const snarkScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

export type BookingHashParameters = { slotId: bigint; doctor: Address; appointments: Address; chainId: number; payer: Address }

/**
 * The booking an eligibility proof is bound to, exactly as Insurance.bookingHash:
 * keccak256(abi.encode(slotId, doctor, appointments, chainid, payer)) mod r. `payer` is
 * the account that will send the booking: a copy of the proof sent by any other
 * account (a front-runner's) fails.
 */
export function bookingHash({ slotId, doctor, appointments, chainId, payer }: BookingHashParameters): bigint {
  const encoded = encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'uint256' }, { type: 'address' }],
    [slotId, doctor, appointments, BigInt(chainId), payer],
  )
  return BigInt(keccak256(encoded)) % snarkScalarField
}
