// SPDX-License-Identifier: GPL-3.0-or-later
// Proving times in Node (median of 5 after one warm-up), artifact sizes a browser
// downloads, and the time to rebuild an insurer's member tree to make a proof.
import { readFile } from 'node:fs/promises'
import { median, type Benchmark } from './support/benchmark.ts'
import type { CircuitName } from '../src/zk/circuits.ts'
import { consentInputs } from '../src/zk/consentInputs.ts'
import { credentialLeaf } from '../src/zk/credentialLeaf.ts'
import { eligibilityInputs } from '../src/zk/eligibilityInputs.ts'
import { identityCommitment } from '../src/zk/identity.ts'
import { memberTree } from '../src/zk/memberTree.ts'
import { poseidonHash } from '../src/zk/poseidon.ts'
import { proveInNode } from '../src/zk/proveInNode.ts'
import { toCircuitInput, type CircuitInput } from '../src/zk/proveWithArtifacts.ts'

const identitySecret = 0xbe7c4n

async function medianProveMs(circuit: CircuitName, input: CircuitInput, depth?: number): Promise<number> {
  const at = depth === undefined ? {} : { depth }
  await proveInNode({ circuit, ...at, input })
  const times: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    await proveInNode({ circuit, ...at, input })
    times.push(performance.now() - started)
  }
  return median(times)
}

/** A full-depth (20-level) path, proved with the depth-20 circuit: the deepest case. */
async function fullDepthEligibility(): Promise<CircuitInput> {
  const planId = 7n
  const validUntil = 2_000_000_000n
  let node = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
  const siblings = Array.from({ length: 20 }, (_, i) => BigInt(1_000_003 * (i + 1)))
  const index = 0b1010_0110_1100_1010_0101
  siblings.forEach((sibling, level) => {
    node = (index >> level) & 1 ? poseidonHash([sibling, node]) : poseidonHash([node, sibling])
  })
  return toCircuitInput(
    eligibilityInputs({ identitySecret, planId, validUntil, merkleProof: { root: node, index, siblings }, visitDate: 1_900_000_000n, period: 1n, visitsPerPeriod: 4, k: 1, bookingHash: 99n, domain: 7n, depth: 20 }),
  )
}

const size = async (file: string) => (await readFile(`public/zk/${file}`)).length

export default [
  {
    name: 'zk.consent.prove_ms',
    about: 'one consent proof with snarkjs in Node (not the browser), median of 5 after a warm-up',
    unit: 'ms',
    better: 'lower',
    run: () =>
      medianProveMs('consent', toCircuitInput(consentInputs({ chainId: 31337, consent: '0xc0115e1700000000000000000000000000000001', grantIndex: 0, identitySecret, grantee: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', paramsHash: 42n }))),
  },
  { name: 'zk.eligibility.prove_ms', about: 'one full-depth eligibility proof with snarkjs in Node (not the browser), median of 5 after a warm-up', unit: 'ms', better: 'lower', run: async () => medianProveMs('eligibility', await fullDepthEligibility(), 20) },
  { name: 'zk.consent.download_bytes', about: 'bytes of consent.wasm + consent.zkey a browser downloads once', unit: 'bytes', better: 'lower', run: async () => (await size('consent.wasm')) + (await size('consent.zkey')) },
  ...[10, 20].map((depth) => ({
    name: `zk.eligibility.download_bytes.depth${depth}`,
    about: `bytes of eligibility-${depth}.wasm + eligibility-${depth}.zkey a browser downloads once (a plan of up to 2^${depth} members)`,
    unit: 'bytes',
    better: 'lower' as const,
    run: async () => (await size(`eligibility-${depth}.wasm`)) + (await size(`eligibility-${depth}.zkey`)),
  })),
  {
    name: 'zk.member_tree.rebuild_16384_ms',
    about: 'rebuilding a 16,384-member tree and one path in Node, one run',
    unit: 'ms',
    better: 'lower',
    run: async () => {
      const leaves = Array.from({ length: 1 << 14 }, (_, i) => BigInt(i + 1))
      const started = performance.now()
      const tree = await memberTree(leaves)
      tree.generateProof(12_345)
      return performance.now() - started
    },
  },
] satisfies Benchmark[]
