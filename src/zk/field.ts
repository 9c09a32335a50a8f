// SPDX-License-Identifier: GPL-3.0-or-later
import { ProofInputError } from './zkErrors.ts'

/** BN254 scalar field order r: every circuit signal is an element of [0, r). */
export const snarkScalarField = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

/** `value` as a bigint in [0, 2^bits) (or [0, r) without bits), else ProofInputError. */
export function toField(name: string, value: bigint | number | string, bits?: number): bigint {
  let big: bigint
  try {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new RangeError('not a safe integer')
    if (typeof value === 'string' && !/^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(value)) throw new RangeError('not an integer')
    big = BigInt(value)
  } catch (cause) {
    throw new ProofInputError(`The value for ${name} is not a whole number.`, { cause })
  }
  const limit = bits === undefined ? snarkScalarField : 1n << BigInt(bits)
  if (big < 0n || big >= limit) {
    throw new ProofInputError(`The value for ${name} is out of range.`, {
      details: `${name} = ${big} must be in [0, ${bits === undefined ? 'r' : `2^${bits}`})`,
    })
  }
  return big
}
