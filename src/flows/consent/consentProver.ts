import type { Address } from 'viem'
import type { ProofProgress } from '../../zk/proveWithArtifacts.ts'

/**
 * Makes a consent proof ("I know the identitySecret behind this pseudonym for this
 * grantee", bound to paramsHash): in a Web Worker in the page, in Node in tests and
 * scripts. Flows take it as a parameter so they run anywhere.
 */
export type ConsentProver = (parameters: {
  identitySecret: bigint
  grantee: Address
  paramsHash: bigint
  onProgress?: (progress: ProofProgress) => void
}) => Promise<{ pseudonym: bigint; proof: readonly bigint[] }>
