// SPDX-License-Identifier: GPL-3.0-or-later
// Poseidon over BN254 with circomlib's constants: the same hash as circomlib's
// poseidon.circom and poseidon-solidity, so TS, circuits and contracts agree.
import { buildPoseidon } from 'circomlibjs'

export type PoseidonHash = (inputs: readonly bigint[]) => bigint

let loading: Promise<PoseidonHash> | undefined

/** A synchronous Poseidon (1 to 16 inputs), built once (it compiles wasm) and cached. */
export function loadPoseidon(): Promise<PoseidonHash> {
  loading ??= buildPoseidon().then((p) => (inputs: readonly bigint[]) => p.F.toObject(p([...inputs])))
  return loading
}

export async function poseidon(inputs: readonly bigint[]): Promise<bigint> {
  return (await loadPoseidon())(inputs)
}
