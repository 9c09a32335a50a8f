// eligibility.prove_ms.depth10 / .depth20: an eligibility proof as the patient's app makes
// it, in Chromium, in the prover Web Worker, with the circuit of a plan of 2^10 members
// (depth 10) and of 2^20 (depth 20), each on a path of its full depth; median of 10 after
// one warm-up each (which also downloads that depth's artifacts, so the figure is proving,
// not network). Both depths run in one worker, interleaved (10, 20, 20, 10, …), so they
// share the machine's load; eligibility.prove_ms.depth10_over_depth20 is their ratio from
// that one session (issue 11: ≤ 0.6).
// The page is the app served by Vite from a local network started on spare ports; the
// in-page code is the module bench/pages/eligibilityPage.ts, built by the same Vite.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median, once, type Benchmark } from './support/benchmark.ts'
import { startLocalNetwork } from '../src/chain/deploy/localNetwork.ts'
import { launchBrowser } from './support/browser.ts'
import { callPageModule } from './support/pageModule.ts'
import { credentialLeaf } from '../src/zk/credentialLeaf.ts'
import { eligibilityInputs } from '../src/zk/eligibilityInputs.ts'
import { identityCommitment } from '../src/zk/identity.ts'
import { poseidonHash } from '../src/zk/poseidon.ts'
import { toCircuitInput, type CircuitInput } from '../src/zk/proveWithArtifacts.ts'
import { freePort } from '../src/chain/deploy/freePort.ts'

const runs = 10
const depths = [10, 20] as const

/** A valid input whose Merkle path has `depth` levels: the circuit's full depth. */
async function fullDepthInput(depth: number): Promise<CircuitInput> {
  const identitySecret = 0xe1161b1en
  const planId = 3n
  const validUntil = 2_100_000_000n
  let node = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
  const siblings = Array.from({ length: depth }, (_, i) => BigInt(7_919 * (i + 3)))
  const index = 0b1100_1010_0011_0101_1001 & ((1 << depth) - 1)
  siblings.forEach((sibling, level) => {
    node = (index >> level) & 1 ? poseidonHash([sibling, node]) : poseidonHash([node, sibling])
  })
  const visitDate = 1_950_000_000n
  return toCircuitInput(
    eligibilityInputs({ identitySecret, planId, validUntil, merkleProof: { root: node, index, siblings }, visitDate, period: visitDate / 2_592_000n, visitsPerPeriod: 4, k: 2, bookingHash: 12_345n, domain: 7n, depth }),
  )
}

const session = once(async (): Promise<Record<(typeof depths)[number], number[]>> => {
  const proofs = await Promise.all(depths.map(async (depth) => ({ depth, input: await fullDepthInput(depth) })))
  const network = await startLocalNetwork({
    chainPort: await freePort(),
    carePorts: [],
    appPort: await freePort(),
    withApp: true,
    configPath: join(mkdtempSync(join(tmpdir(), 'salus-bench-')), 'salus.config.json'),
  })
  const browser = await launchBrowser()
  try {
    const page = await browser.newPage()
    await page.goto(network.urls.app!)
    const times = await callPageModule<number[][]>(page, 'eligibilityPage.ts', 'measureEligibilityProofs', { proofs, runs })
    console.log(`eligibility.prove_ms runs: ${depths.map((d, i) => `depth ${d}: ${times[i]!.map((t) => t.toFixed(0)).join(', ')}`).join('; ')}`)
    return { 10: times[0]!, 20: times[1]! }
  } finally {
    await browser.close()
    await network.stop()
  }
})

export default [
  ...depths.map((depth) => ({
    name: `eligibility.prove_ms.depth${depth}`,
    about: `one eligibility proof at depth ${depth} (a full-depth path) in the app's prover Web Worker in Chromium, median of ${runs} after a warm-up, interleaved with the other depth`,
    unit: 'ms',
    better: 'lower' as const,
    target: 1_000,
    run: async () => median((await session())[depth]),
  })),
  {
    name: 'eligibility.prove_ms.depth10_over_depth20',
    about: 'median depth-10 proof ÷ median depth-20 proof, from the same Chromium session',
    unit: 'ratio',
    better: 'lower',
    target: 0.6,
    run: async () => {
      const times = await session()
      return median(times[10]) / median(times[20])
    },
  },
] satisfies Benchmark[]
