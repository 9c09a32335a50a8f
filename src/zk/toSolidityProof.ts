// SPDX-License-Identifier: GPL-3.0-or-later
import type { Groth16Proof } from 'snarkjs'

/** Arguments of the generated verifiers' verifyProof(uint[2] a, uint[2][2] b, uint[2] c, uint[N] pubSignals). */
export type SolidityProof = {
  a: readonly [bigint, bigint]
  b: readonly [readonly [bigint, bigint], readonly [bigint, bigint]]
  c: readonly [bigint, bigint]
  /** The same eight numbers as one uint256[8] (a, b, c), for contracts that take the proof packed. */
  packed: readonly [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint]
}

/** snarkjs proof → calldata; G2 coordinates swap to the (imaginary, real) order the EVM pairing precompile expects. */
export function toSolidityProof(proof: Groth16Proof): SolidityProof {
  const n = BigInt
  const a = [n(proof.pi_a[0]), n(proof.pi_a[1])] as const
  const b = [
    [n(proof.pi_b[0][1]), n(proof.pi_b[0][0])],
    [n(proof.pi_b[1][1]), n(proof.pi_b[1][0])],
  ] as const
  const c = [n(proof.pi_c[0]), n(proof.pi_c[1])] as const
  return { a, b, c, packed: [a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1]] }
}

export function toSolidityPublicSignals(publicSignals: readonly string[]): bigint[] {
  return publicSignals.map((signal) => BigInt(signal))
}
