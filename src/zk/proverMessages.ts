// SPDX-License-Identifier: GPL-3.0-or-later
// The messages between proveInWorker (page) and prover.worker.ts.
import type { CircuitName } from './circuits.ts'
import type { CircuitInput, Groth16ProofResult, ProofProgress } from './proveWithArtifacts.ts'

export type ProverRequest = {
  type: 'prove'
  id: number
  circuit: CircuitName
  /** For eligibility: which depth's circuit (eligibilityDepth(tree size)). */
  depth?: number
  input: CircuitInput
  /** Where the artifacts are served, e.g. '/zk/'. */
  baseUrl: string
}

export type ProverResponse =
  | { type: 'progress'; id: number; progress: ProofProgress }
  | { type: 'result'; id: number; result: Groth16ProofResult }
  | { type: 'error'; id: number; name: string; shortMessage: string; details: string | undefined }
