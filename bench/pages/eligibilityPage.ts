// Page code of bench/eligibility.bench.ts: a real module that Vite builds and serves to
// Chromium (from /@fs/…), importing the app's own prover, so it measures what the app runs.
import type { CircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { createProverWorker, proveInWorker } from '../../src/zk/proveInWorker.ts'

/** One worker, one warm-up proof, then `runs` timed proofs: their times in ms. */
export async function measureEligibilityProofs({ input, runs }: { input: CircuitInput; runs: number }): Promise<number[]> {
  const worker = createProverWorker()
  try {
    await proveInWorker(worker, { circuit: 'eligibility', input })
    const times: number[] = []
    for (let i = 0; i < runs; i++) {
      const started = performance.now()
      const { publicSignals } = await proveInWorker(worker, { circuit: 'eligibility', input })
      times.push(performance.now() - started)
      if (publicSignals.length !== 7) throw new Error('unexpected public signals')
    }
    return times
  } finally {
    worker.terminate()
  }
}
