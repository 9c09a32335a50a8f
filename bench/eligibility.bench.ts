// eligibility.prove_ms: an eligibility proof as the patient's app makes it, in Chromium,
// in the prover Web Worker, on a full-depth (20-level) member path; median of 10 after
// one warm-up (which also downloads the artifacts, so the figure is proving, not network).
// The page is the app served by Vite from a local network started on spare ports; the
// in-page code is the module bench/pages/eligibilityPage.ts, built by the same Vite.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { median, type Benchmark } from './support/benchmark.ts'
import { startLocalNetwork } from '../src/chain/deploy/localNetwork.ts'
import { launchBrowser } from './support/browser.ts'
import { callPageModule } from './support/pageModule.ts'
import { credentialLeaf } from '../src/zk/credentialLeaf.ts'
import { eligibilityInputs, eligibilityMaxDepth } from '../src/zk/eligibilityInputs.ts'
import { identityCommitment } from '../src/zk/identity.ts'
import { poseidonHash } from '../src/zk/poseidon.ts'
import { toCircuitInput, type CircuitInput } from '../src/zk/proveWithArtifacts.ts'
import { freePort } from '../src/chain/deploy/freePort.ts'

const runs = 10

/** A valid input whose Merkle path has all 20 levels: the circuit's full depth. */
async function fullDepthInput(): Promise<CircuitInput> {
  const identitySecret = 0xe1161b1en
  const planId = 3n
  const validUntil = 2_100_000_000n
  let node = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
  const siblings = Array.from({ length: eligibilityMaxDepth }, (_, i) => BigInt(7_919 * (i + 3)))
  const index = 0b1100_1010_0011_0101_1001
  siblings.forEach((sibling, level) => {
    node = (index >> level) & 1 ? poseidonHash([sibling, node]) : poseidonHash([node, sibling])
  })
  const visitDate = 1_950_000_000n
  return toCircuitInput(
    eligibilityInputs({ identitySecret, planId, validUntil, merkleProof: { root: node, index, siblings }, visitDate, period: visitDate / 2_592_000n, visitsPerPeriod: 4, k: 2, bookingHash: 12_345n, domain: 7n }),
  )
}

export default [
  {
    name: 'eligibility.prove_ms',
    about: 'one eligibility proof (full-depth path) in the app\'s prover Web Worker in Chromium, median of 10 after a warm-up',
    unit: 'ms',
    better: 'lower',
    target: 1_000,
    run: async () => {
      const input = await fullDepthInput()
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
        const times = await callPageModule<number[]>(page, 'eligibilityPage.ts', 'measureEligibilityProofs', { input, runs })
        return median(times)
      } finally {
        await browser.close()
        await network.stop()
      }
    },
  },
] satisfies Benchmark[]
