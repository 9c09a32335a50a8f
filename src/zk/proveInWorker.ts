// SPDX-License-Identifier: GPL-3.0-or-later
// Page side of the prover worker: one Promise per proof, progress through a callback.
import { SalusError } from '../errors/salusError.ts'
import type { CircuitName } from './circuits.ts'
import type { ProverRequest, ProverResponse } from './proverMessages.ts'
import type { CircuitInput, Groth16ProofResult, ProofProgress } from './proveWithArtifacts.ts'
import { CircuitArtifactError, ProofGenerationError, ProofInputError } from './zkErrors.ts'

/** The part of a Worker that proveInWorker uses (a real Worker fits; tests pass a fake). */
export type ProverWorker = {
  postMessage(message: ProverRequest): void
  addEventListener(type: 'message', listener: (event: MessageEvent<ProverResponse>) => void): void
  removeEventListener(type: 'message', listener: (event: MessageEvent<ProverResponse>) => void): void
}

export function createProverWorker(): Worker {
  return new Worker(new URL('./prover.worker.ts', import.meta.url), { type: 'module', name: 'salus-prover' })
}

export type ProveInWorkerParameters = {
  circuit: CircuitName
  /** For eligibility: the circuit's depth, eligibilityDepth(size of the member tree). */
  depth?: number
  /** From toCircuitInput(consentInputs(...)) or toCircuitInput(eligibilityInputs(...)). */
  input: CircuitInput
  baseUrl?: string
  onProgress?: (progress: ProofProgress) => void
}

let nextId = 1

export function proveInWorker(worker: ProverWorker, { circuit, depth, input, baseUrl = '/zk/', onProgress }: ProveInWorkerParameters): Promise<Groth16ProofResult> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    const listener = (event: MessageEvent<ProverResponse>) => {
      const response = event.data
      if (response?.id !== id) return
      if (response.type === 'progress') {
        onProgress?.(response.progress)
        return
      }
      worker.removeEventListener('message', listener)
      if (response.type === 'result') resolve(response.result)
      else reject(reviveError(response))
    }
    worker.addEventListener('message', listener)
    worker.postMessage({ type: 'prove', id, circuit, ...(depth === undefined ? {} : { depth }), input, baseUrl })
  })
}

// Errors cross postMessage as plain data; rebuild the class so callers can branch on name.
function reviveError(response: Extract<ProverResponse, { type: 'error' }>): SalusError {
  const details = response.details
  switch (response.name) {
    case 'ProofInputError':
      return new ProofInputError(response.shortMessage, { details })
    case 'ProofGenerationError':
      return new ProofGenerationError({ details })
    case 'CircuitArtifactError':
      return new CircuitArtifactError({ details })
    default:
      return new SalusError(response.shortMessage, { details })
  }
}
