// SPDX-License-Identifier: GPL-3.0-or-later
// Proving in Node (tests, benchmarks, scripts): the artifacts come from public/zk/ on disk.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { circuitArtifactName, type CircuitName } from './circuits.ts'
import { proveWithArtifacts, type CircuitInput, type Groth16ProofResult, type ProofProgress } from './proveWithArtifacts.ts'
import { CircuitArtifactError } from './zkErrors.ts'

export type ProveInNodeParameters = {
  circuit: CircuitName
  /** For eligibility: the depth of the circuit (eligibilityDepth(tree size)). */
  depth?: number
  input: CircuitInput
  artifactsDir?: string
  onProgress?: (progress: ProofProgress) => void
}

export async function proveInNode({ circuit, depth, input, artifactsDir = join('public', 'zk'), onProgress }: ProveInNodeParameters): Promise<Groth16ProofResult> {
  const name = circuitArtifactName(circuit, depth)
  let wasm: Uint8Array
  let zkey: Uint8Array
  try {
    ;[wasm, zkey] = await Promise.all([readFile(join(artifactsDir, `${name}.wasm`)), readFile(join(artifactsDir, `${name}.zkey`))])
  } catch (cause) {
    throw new CircuitArtifactError({ cause })
  }
  const bytes = wasm.length + zkey.length
  onProgress?.({ stage: 'loading artifacts', loadedBytes: bytes, totalBytes: bytes })
  return proveWithArtifacts({ wasm, zkey, input, ...(onProgress ? { onProgress } : {}) })
}

/** snarkjs keeps its bn128 worker threads alive after a proof, which would keep a Node process from exiting. */
export async function releaseProverThreads(): Promise<void> {
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate()
}
