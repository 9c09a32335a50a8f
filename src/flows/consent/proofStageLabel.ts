import type { ProofProgress } from '../../zk/proveWithArtifacts.ts'

/** The proof's progress in words, for the status line while the worker runs. */
export function proofStageLabel(progress: ProofProgress): string {
  switch (progress.stage) {
    case 'loading artifacts':
      return progress.totalBytes
        ? `Loading the proving key (${Math.round((progress.loadedBytes / progress.totalBytes) * 100)}%)`
        : 'Loading the proving key'
    case 'witness':
      return 'Computing the witness'
    case 'proving':
      return 'Making the zero-knowledge proof'
    case 'done':
      return `Proof ready in ${Math.round(progress.milliseconds)} ms`
  }
}
