// SPDX-License-Identifier: GPL-3.0-or-later
// Parity TS → Solidity: the generated verifiers (compiled in src/chain/generated),
// deployed on a real anvil, accept the committed proof fixtures and a fresh proof
// encoded by toSolidityProof, and reject tampered ones.
import { readFileSync } from 'node:fs'
import { createPublicClient, createWalletClient, http, type Abi, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConsentVerifier } from '../../src/chain/generated/ConsentVerifier.ts'
import { EligibilityVerifier } from '../../src/chain/generated/EligibilityVerifier.ts'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput, type Groth16ProofResult } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof, toSolidityPublicSignals } from '../../src/zk/toSolidityProof.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'

// anvil's well-known development key #0.
const deployer = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
let anvil: Anvil | undefined
let rpcUrl: string
const addresses: Record<string, Hex> = {}

const publicClient = () => createPublicClient({ chain: foundry, transport: http(rpcUrl, { retryCount: 0 }) })

beforeAll(async () => {
  anvil = await startAnvil()
  rpcUrl = anvil.rpcUrl
  const wallet = createWalletClient({ account: deployer, chain: foundry, transport: http(rpcUrl) })
  for (const [name, artifact] of Object.entries({ ConsentVerifier, EligibilityVerifier })) {
    const hash = await wallet.deployContract({ abi: artifact.abi as Abi, bytecode: artifact.bytecode as Hex })
    const receipt = await publicClient().waitForTransactionReceipt({ hash })
    addresses[name] = receipt.contractAddress!
  }
})

afterAll(() => {
  anvil?.stop()
})

/** `depth` picks the eligibility verifier's key (the fixture's own when omitted). */
async function verifiesOnChain(name: 'ConsentVerifier' | 'EligibilityVerifier', { proof, publicSignals }: Groth16ProofResult, depth?: number): Promise<boolean> {
  const { a, b, c } = toSolidityProof(proof)
  const abi = (name === 'ConsentVerifier' ? ConsentVerifier : EligibilityVerifier).abi as Abi
  const signals = toSolidityPublicSignals(publicSignals)
  return (await publicClient().readContract({
    address: addresses[name]!,
    abi,
    functionName: 'verifyProof',
    args: name === 'ConsentVerifier' ? [a, b, c, signals] : [a, b, c, signals, BigInt(depth ?? fixture('eligibility').depth!)],
  })) as boolean
}

const fixture = (circuit: string) => JSON.parse(readFileSync(`test/fixtures/zk/${circuit}.proof.json`, 'utf8')) as Groth16ProofResult & {
  depth?: number
  solidity: { a: string[]; b: string[][]; c: string[]; pubSignals: string[] }
}

describe('generated Solidity verifiers', () => {
  it.each([
    ['ConsentVerifier', 'consent'],
    ['EligibilityVerifier', 'eligibility'],
  ] as const)('%s accepts the committed fixture and rejects it tampered', async (name, circuit) => {
    const f = fixture(circuit)
    expect(await verifiesOnChain(name, f)).toBe(true)
    // The fixture's ready-made calldata is the same encoding.
    const { a, b, c } = toSolidityProof(f.proof)
    expect(f.solidity).toEqual({ a: a.map(String), b: b.map((r) => r.map(String)), c: c.map(String), pubSignals: f.publicSignals })
    const tampered = [...f.publicSignals]
    tampered[tampered.length - 1] = (BigInt(tampered.at(-1)!) + 1n).toString()
    expect(await verifiesOnChain(name, { ...f, publicSignals: tampered })).toBe(false)
  })

  it('accepts a fresh consent proof from the TypeScript prover', async () => {
    const result = await proveInNode({
      circuit: 'consent',
      input: toCircuitInput(consentInputs({ chainId: 31337, consent: '0xc0115e1700000000000000000000000000000001', grantIndex: 0, identitySecret: 31337n, grantee: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', paramsHash: 123n })),
    })
    expect(await verifiesOnChain('ConsentVerifier', result)).toBe(true)
    expect(await verifiesOnChain('EligibilityVerifier', { ...result, publicSignals: [...result.publicSignals, ...Array<string>(5 - result.publicSignals.length).fill('0')] })).toBe(false)
  })

  it('EligibilityVerifier holds every depth\'s key: the fixture verifies at its own depth only', async () => {
    const f = fixture('eligibility')
    expect(f.depth).toBe(3)
    for (let depth = 0; depth <= 21; depth++) {
      expect(await verifiesOnChain('EligibilityVerifier', f, depth), `depth ${depth}`).toBe(depth === f.depth)
    }
  })
})
