import type { Address } from 'viem'
import { consentInputs, type ConsentInputParameters } from '../../../zk/consentInputs.ts'
import { proveInWorker, type ProverWorker } from '../../../zk/proveInWorker.ts'
import { toCircuitInput, type ProofProgress } from '../../../zk/proveWithArtifacts.ts'
import { consentSignals } from '../../../zk/publicSignals.ts'
import { toSolidityProof } from '../../../zk/toSolidityProof.ts'

export type ProveConsentParameters = ConsentInputParameters & { onProgress?: (progress: ProofProgress) => void }

export type ProveConsentReturnType = { pseudonym: bigint; proof: readonly bigint[] }

/** A consent proof made in the Web Worker (the page stays responsive), packed as the Consent contract takes it. */
export async function proveConsent(worker: ProverWorker, parameters: ProveConsentParameters): Promise<ProveConsentReturnType> {
  const { onProgress, ...inputs } = parameters
  const input = toCircuitInput({ ...consentInputs(inputs) })
  const result = await proveInWorker(worker, { circuit: 'consent', input, ...(onProgress ? { onProgress } : {}) })
  return { pseudonym: consentSignals(result.publicSignals).pseudonym, proof: toSolidityProof(result.proof).packed }
}
