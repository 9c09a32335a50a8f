// Page code of bench/eligibility.bench.ts: a real module that Vite builds and serves to
// Chromium (from /@fs/…), importing the app's own prover, so it measures what the app runs.
import type { CircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { createProverWorker, proveInWorker } from '../../src/zk/proveInWorker.ts'

/**
 * One worker; for each depth a warm-up proof (it downloads that depth's artifacts and
 * builds its witness calculator), then `runs` rounds proving every depth once, in an
 * order that alternates round by round. Returns each depth's times in ms, in `proofs` order.
 */
export async function measureEligibilityProofs({ proofs, runs }: { proofs: { depth: number; input: CircuitInput }[]; runs: number }): Promise<number[][]> {
  const worker = createProverWorker()
  try {
    for (const { depth, input } of proofs) await proveInWorker(worker, { circuit: 'eligibility', depth, input })
    const times = proofs.map(() => [] as number[])
    for (let round = 0; round < runs; round++) {
      const order = proofs.map((_, i) => i)
      if (round % 2 === 1) order.reverse()
      for (const i of order) {
        const { depth, input } = proofs[i]!
        const started = performance.now()
        const { publicSignals } = await proveInWorker(worker, { circuit: 'eligibility', depth, input })
        times[i]!.push(performance.now() - started)
        if (publicSignals.length !== 5) throw new Error('unexpected public signals')
      }
    }
    return times
  } finally {
    worker.terminate()
  }
}
