// SPDX-License-Identifier: GPL-3.0-or-later
// The proving steps shared by the Web Worker and Node: witness, then Groth16 proof.
import { WitnessCalculatorBuilder, type WitnessCalculator } from 'circom_runtime'
import { groth16, type Groth16Proof } from 'snarkjs'
import { ProofGenerationError } from './zkErrors.ts'

export type ProofProgress =
  | { stage: 'loading artifacts'; loadedBytes: number; totalBytes: number | undefined }
  | { stage: 'witness' }
  | { stage: 'proving' }
  | { stage: 'done'; milliseconds: number }

export type ProofStage = ProofProgress['stage']

export type Groth16ProofResult = { proof: Groth16Proof; publicSignals: string[] }

/** Circuit inputs as snarkjs takes them: bigints become decimal strings so they survive postMessage and JSON. */
export type CircuitInput = Record<string, string | string[]>

export function toCircuitInput(input: Record<string, bigint | readonly bigint[]>): CircuitInput {
  return Object.fromEntries(
    Object.entries(input).map(([key, value]) => [key, typeof value === 'bigint' ? value.toString() : value.map(String)]),
  )
}

export type ProveWithArtifactsParameters = {
  wasm: Uint8Array
  zkey: Uint8Array
  input: CircuitInput
  onProgress?: (progress: ProofProgress) => void
}

/**
 * One witness calculator per circuit wasm (the same bytes object), kept across proofs:
 * snarkjs's wtns.calculate compiles the 3 MB module and reserves its memory on every
 * call, which cost more than computing the witness. circom's calculator re-initialises
 * itself at each calculation; one that failed is dropped all the same.
 */
const calculators = new WeakMap<Uint8Array, Promise<WitnessCalculator>>()

function calculatorFor(wasm: Uint8Array): Promise<WitnessCalculator> {
  let calculator = calculators.get(wasm)
  if (!calculator) {
    calculator = WitnessCalculatorBuilder(wasm)
    calculators.set(wasm, calculator)
  }
  return calculator
}

export async function proveWithArtifacts({ wasm, zkey, input, onProgress }: ProveWithArtifactsParameters): Promise<Groth16ProofResult> {
  const started = performance.now()
  onProgress?.({ stage: 'witness' })
  let witness: { type: 'mem'; data: Uint8Array }
  try {
    witness = { type: 'mem', data: await (await calculatorFor(wasm)).calculateWTNSBin(input) }
  } catch (cause) {
    calculators.delete(wasm)
    // The circuit's assertions failed: the inputs do not prove what they claim.
    throw new ProofGenerationError({ cause })
  }
  onProgress?.({ stage: 'proving' })
  let result: Groth16ProofResult
  try {
    result = await groth16.prove(zkey, witness)
  } catch (cause) {
    throw new ProofGenerationError({ cause })
  }
  onProgress?.({ stage: 'done', milliseconds: performance.now() - started })
  return result
}
