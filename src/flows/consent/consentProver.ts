import type { ProofProgress } from '../../zk/proveWithArtifacts.ts'
import type { ConsentInputParameters } from '../../zk/consentInputs.ts'

/**
 * Makes a consent proof ("I know the identitySecret behind this grant's pseudonym",
 * bound to paramsHash on one deployment): in a Web Worker in the page, in Node in tests
 * and scripts. Flows take it as a parameter so they run anywhere.
 */
export type ConsentProver = (parameters: ConsentInputParameters & { onProgress?: (progress: ProofProgress) => void }) => Promise<{ pseudonym: bigint; proof: readonly bigint[] }>
