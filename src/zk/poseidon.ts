// SPDX-License-Identifier: GPL-3.0-or-later
// Poseidon over BN254 with circomlib's constants: the same hash as circomlib's
// poseidon.circom and poseidon-solidity, so TS, circuits and contracts agree.
// poseidon-lite rather than circomlibjs: circomlibjs's entry point needs Node's
// Buffer and assert in the browser and builds a whole curve in wasm for one hash.
// test/unit/zkPoseidon.test.ts checks the two libraries agree.
import { poseidon1 } from 'poseidon-lite/poseidon1'
import { poseidon2 } from 'poseidon-lite/poseidon2'
import { poseidon3 } from 'poseidon-lite/poseidon3'
import { poseidon4 } from 'poseidon-lite/poseidon4'
import { poseidon5 } from 'poseidon-lite/poseidon5'
import { snarkScalarField } from './field.ts'

export type PoseidonHash = (inputs: readonly bigint[]) => bigint

const byArity = [undefined, poseidon1, poseidon2, poseidon3, poseidon4, poseidon5] as const

/** Poseidon of 1 to 5 field elements (the widths Salus and poseidon-solidity use). */
export const poseidonHash: PoseidonHash = (inputs) => {
  const hash = byArity[inputs.length]
  if (!hash) throw new RangeError(`Poseidon takes 1 to 5 inputs, not ${inputs.length}`)
  for (const input of inputs) {
    if (input < 0n || input >= snarkScalarField) throw new RangeError('Poseidon input outside the BN254 scalar field')
  }
  return hash([...inputs])
}

/** Kept async so callers do not depend on the hash being synchronous. */
export async function loadPoseidon(): Promise<PoseidonHash> {
  return poseidonHash
}

export async function poseidon(inputs: readonly bigint[]): Promise<bigint> {
  return poseidonHash(inputs)
}
