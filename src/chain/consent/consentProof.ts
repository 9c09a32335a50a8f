// SPDX-License-Identifier: GPL-3.0-or-later
import { snarkScalarField } from '../../zk/field.ts'
import { ChainInputError } from '../chainErrors.ts'

/** A Groth16 proof as Consent takes it: (a, b, c) packed into uint256[8] (src/zk/toSolidityProof.ts `packed`). */
export type ConsentProof = readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint]

/** Checks shape and range of a proof that came from a peer before it costs anyone gas. */
export function checkConsentProof(proof: readonly bigint[]): ConsentProof {
  if (!Array.isArray(proof) || proof.length !== 8) throw new ChainInputError('The consent proof is malformed.', 'proof must hold 8 numbers')
  // Base-field coordinates are below the BN254 base prime, which is close to the scalar field: reject anything wider.
  for (const value of proof) {
    if (typeof value !== 'bigint' || value < 0n || value >= 1n << 254n) throw new ChainInputError('The consent proof is malformed.', `proof value ${String(value)} out of range`)
  }
  return proof as unknown as ConsentProof
}

export function checkFieldElement(value: bigint, field: string): bigint {
  if (typeof value !== 'bigint' || value < 0n || value >= snarkScalarField) {
    throw new ChainInputError('The consent proof is malformed.', `${field} is not a field element`)
  }
  return value
}
