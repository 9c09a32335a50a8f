// SPDX-License-Identifier: GPL-3.0-or-later
// Real proofs for the contracts' verifier tests: test/fixtures/zk/<circuit>.proof.json.
// Groth16 proofs are randomised, so a fixture is rewritten only when it no longer
// verifies against the current verification key (keeps git history quiet).
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { VerificationKey } from 'snarkjs'
import { circuitArtifactName, eligibilityDepth, type CircuitName } from '../src/zk/circuits.ts'
import { consentInputs } from '../src/zk/consentInputs.ts'
import { credentialLeaf } from '../src/zk/credentialLeaf.ts'
import { eligibilityInputs } from '../src/zk/eligibilityInputs.ts'
import { grantParamsHash, proxiesHash, scopesMask } from '../src/zk/grantHash.ts'
import { identityCommitment } from '../src/zk/identity.ts'
import { memberTree } from '../src/zk/memberTree.ts'
import { proveInNode } from '../src/zk/proveInNode.ts'
import { toCircuitInput, type CircuitInput, type Groth16ProofResult } from '../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../src/zk/toSolidityProof.ts'
import { verifyProof } from '../src/zk/verifyProof.ts'

const fixtureDir = join('test', 'fixtures', 'zk')
export const fixturePath = (circuit: CircuitName) => join(fixtureDir, `${circuit}.proof.json`)

// Anvil's default account #1 is the grantee, so a Foundry test can prank it.
const grantee = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const
const identitySecret = 0x5a105n

/** The eligibility fixture's tree has 5 members: depth 3. */
const fixtureDepth = (circuit: CircuitName) => (circuit === 'eligibility' ? eligibilityDepth(5) : undefined)

async function sampleInput(circuit: CircuitName): Promise<{ description: string; input: CircuitInput; parameters: object }> {
  if (circuit === 'consent') {
    const grant = {
      // Foundry's and anvil's chain id, and the Consent address of scripts/buildConsentFixtures.ts.
      chainId: 31337,
      consent: '0xC0115E1700000000000000000000000000000001' as const,
      grantee,
      scopesMask: scopesMask(['allergies', 'medications']),
      expiry: 1_900_000_000,
      proxiesHash: proxiesHash(['0x90F79bf6EB2c4f870365E785982E1f101E93b906', '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65']),
      threshold: 2,
      bundleCid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    }
    const paramsHash = await grantParamsHash(grant)
    return {
      description: 'Grant 0 of allergies+medications to anvil account #1 until 1900000000, proxies 2-of-2, on Consent 0xC0115E17…01 of chain 31337',
      input: toCircuitInput(consentInputs({ identitySecret, grantee, paramsHash, chainId: grant.chainId, consent: grant.consent, grantIndex: 0 })),
      parameters: grant,
    }
  }
  const planId = 42n
  const validUntil = 1_800_000_000n
  const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
  const tree = await memberTree([11n, 12n, 13n, leaf, 15n])
  const parameters = { planId, validUntil, visitDate: 1_760_000_000n, period: 24310n, visitsPerPeriod: 3, k: 0, bookingHash: 0xb00c1n, domain: 0xd0d0a1n }
  return {
    description: 'Member 3 of a 5-member tree (depth 3), plan 42, valid until 1800000000, visit 1760000000, period 24310, k 0 of 3, domain 0xd0d0a1',
    input: toCircuitInput(eligibilityInputs({ identitySecret, merkleProof: tree.generateProof(3), ...parameters, depth: fixtureDepth(circuit)! })),
    parameters: { ...parameters, leaves: tree.leaves, depth: fixtureDepth(circuit) },
  }
}

async function fixtureVerifies(circuit: CircuitName, vkey: VerificationKey): Promise<boolean> {
  try {
    const fixture = JSON.parse(await readFile(fixturePath(circuit), 'utf8')) as Groth16ProofResult
    // A consent proof that verifies but is bound to other grant parameters (say, an older
    // grant hash) is stale too: its paramsHash must be the one grantHash.ts gives today.
    if (circuit === 'consent' && fixture.publicSignals[2] !== (await sampleInput(circuit)).input.paramsHash) return false
    return await verifyProof(vkey, fixture)
  } catch {
    return false
  }
}

/** Writes the fixture if it is missing or stale; returns whether it wrote. */
export async function ensureFixture(circuit: CircuitName, check = false): Promise<boolean> {
  const vkey = JSON.parse(await readFile(join('public', 'zk', `${circuitArtifactName(circuit, fixtureDepth(circuit))}.vkey.json`), 'utf8')) as VerificationKey
  if (await fixtureVerifies(circuit, vkey)) return false
  if (check) throw new Error(`${fixturePath(circuit)} does not verify against the current verification key, or is for other parameters`)
  const { description, input, parameters } = await sampleInput(circuit)
  const depth = fixtureDepth(circuit)
  const result = await proveInNode({ circuit, input, ...(depth ? { depth } : {}) })
  const solidity = toSolidityProof(result.proof)
  await mkdir(fixtureDir, { recursive: true })
  const fixture = {
    generatedBy: 'scripts/buildCircuits.ts',
    circuit,
    ...(depth ? { depth } : {}),
    description,
    parameters,
    proof: result.proof,
    publicSignals: result.publicSignals,
    // verifyProof(a, b, c, pubSignals[, depth]) arguments of contracts/generated/<Name>Verifier.sol, as decimal strings.
    solidity: { a: solidity.a, b: solidity.b, c: solidity.c, pubSignals: result.publicSignals },
  }
  const decimal = (_key: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)
  await writeFile(fixturePath(circuit), `${JSON.stringify(fixture, decimal, 2)}\n`)
  return true
}
