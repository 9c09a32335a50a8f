// SPDX-License-Identifier: GPL-3.0-or-later
// circuits/eligibility.circom through its committed artifacts, one circuit per depth:
// passing witnesses with real proofs, failing witnesses (the witness calculator must
// refuse them), parity, and each depth's key refusing the other depths' proofs.
import { readFileSync } from 'node:fs'
import type { VerificationKey } from 'snarkjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { nullifierDomain } from '../../src/chain/appointments/nullifierDomain.ts'
import { eligibilityDepth } from '../../src/zk/circuits.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { eligibilityInputs, type EligibilityInput, type EligibilityInputParameters } from '../../src/zk/eligibilityInputs.ts'
import { eligibilityNullifier } from '../../src/zk/eligibilityNullifier.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { memberTree } from '../../src/zk/memberTree.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { eligibilitySignals } from '../../src/zk/publicSignals.ts'
import { verifyProof } from '../../src/zk/verifyProof.ts'

const vkeyOf = (depth: number) => JSON.parse(readFileSync(`public/zk/eligibility-${depth}.vkey.json`, 'utf8')) as VerificationKey
// The main tree below has 11 members: depth 4.
const depth = 4
const vkey = vkeyOf(depth)
const identitySecret = 0xfeedbeefcafe1234567890n
const planId = 42n
const validUntil = 1_800_000_000n
// Insurance at 0x…1115 on anvil's chain 31337; the same member on another deployment gets another domain.
const domain = nullifierDomain({ chainId: 31337, insurance: '0x0000000000000000000000000000000000001115' })
const otherDomain = nullifierDomain({ chainId: 11155111, insurance: '0x0000000000000000000000000000000000001115' })
const base = { identitySecret, planId, validUntil, visitDate: 1_760_000_000n, period: 2025n * 12n + 10n, visitsPerPeriod: 3, k: 1, bookingHash: 0xb00c1n, domain }

async function treeWith(memberCount: number, position: number) {
  const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId, validUntil })
  const others = Array.from({ length: memberCount - 1 }, (_, i) => BigInt(1000 + i))
  return memberTree([...others.slice(0, position), leaf, ...others.slice(position)])
}

let params: EligibilityInputParameters
let valid: EligibilityInput

/** The witness calculator's message for a failed assertion at `statement` in circuits/<file>.circom. */
function failedAt(file: string, template: string, statement: string): RegExp {
  const line = readFileSync(`circuits/${file}.circom`, 'utf8').split('\n').findIndex((l) => l.includes(statement)) + 1
  expect(line, statement).toBeGreaterThan(0)
  return new RegExp(`Error in template ${template}_\\d+ line: ${line}\\b`)
}
const rootMismatch = () => failedAt('eligibility', 'Eligibility', 'root === computedRoot;')
const expired = () => failedAt('eligibility', 'Eligibility', 'notExpired === 1;')
const noVisitLeft = () => failedAt('eligibility', 'Eligibility', 'visitAllowed === 1;')

/** Proving must fail in the witness calculator, at the assertion that guards `where`. */
async function expectWitnessFailure(change: Partial<EligibilityInput>, where: RegExp): Promise<void> {
  await expect(proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput({ ...valid, ...change }) })).rejects.toMatchObject({
    name: 'ProofGenerationError',
    details: expect.stringMatching(where),
  })
}

describe('eligibility circuit', () => {
  beforeAll(async () => {
    const tree = await treeWith(11, 6)
    expect(eligibilityDepth(tree.size)).toBe(depth)
    params = { ...base, merkleProof: tree.generateProof(6), depth }
    valid = eligibilityInputs(params)
  })

  it('proves membership, coverage and the nullifier; signals match TypeScript', async () => {
    const result = await proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput(valid) })
    expect(await verifyProof(vkey, result)).toBe(true)
    const signals = eligibilitySignals(result.publicSignals)
    expect(BigInt(result.publicSignals[2]!)).toBe(planId + (base.period << 64n) + (base.visitDate << 128n) + (3n << 192n))
    expect(signals).toEqual({
      nullifier: await eligibilityNullifier({ identitySecret, domain, planId, period: base.period, k: base.k }),
      root: params.merkleProof.root,
      planId,
      period: base.period,
      visitDate: base.visitDate,
      visitsPerPeriod: 3n,
      bookingHash: base.bookingHash,
      domain,
    })
    // The booking is bound: the same proof with another booking hash is rejected.
    const rebooked = [...result.publicSignals]
    rebooked[3] = '12345'
    expect(await verifyProof(vkey, { ...result, publicSignals: rebooked })).toBe(false)
    // So is the domain: the proof is refused by another chain's or another contract's Insurance.
    const elsewhere = [...result.publicSignals]
    elsewhere[4] = otherDomain.toString()
    expect(await verifyProof(vkey, { ...result, publicSignals: elsewhere })).toBe(false)
    // And the terms: another visit date, plan, period or visit count.
    for (const shift of [0n, 64n, 128n, 192n]) {
      const changed = [...result.publicSignals]
      changed[2] = (BigInt(changed[2]!) + (1n << shift)).toString()
      expect(await verifyProof(vkey, { ...result, publicSignals: changed })).toBe(false)
    }
  })

  it('a proof at one depth is refused by every other depth\'s key', async () => {
    const result = await proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput(valid) })
    for (let other = 1; other <= 20; other++) {
      expect(await verifyProof(vkeyOf(other), result), `depth ${other}`).toBe(other === depth)
    }
    // The same member at depth 5 (a deeper key than the tree needs): its own key only.
    const deeper = await proveInNode({ circuit: 'eligibility', depth: 5, input: toCircuitInput(eligibilityInputs({ ...params, depth: 5 })) })
    expect(await verifyProof(vkeyOf(5), deeper)).toBe(true)
    expect(await verifyProof(vkeyOf(4), deeper)).toBe(false)
    expect(deeper.publicSignals).toEqual(result.publicSignals)
  })

  it('binds the nullifier to the deployment: the same member, plan, period and k give unrelated nullifiers on two chains', async () => {
    expect(domain).not.toBe(otherDomain)
    expect(domain >> 248n).toBe(0n)
    const here = await proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput(valid) })
    const there = await proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput(eligibilityInputs({ ...params, domain: otherDomain })) })
    expect(await verifyProof(vkey, there)).toBe(true)
    const [a, b] = [eligibilitySignals(here.publicSignals).nullifier, eligibilitySignals(there.publicSignals).nullifier]
    expect(a).not.toBe(b)
    expect(b).toBe(await eligibilityNullifier({ identitySecret, domain: otherDomain, planId, period: base.period, k: base.k }))
    // The pre-domain nullifier Poseidon(secret, planId, period, k) is neither of them.
    const { poseidon } = await import('../../src/zk/poseidon.ts')
    const undomained = await poseidon([identitySecret, planId, base.period, BigInt(base.k)])
    expect([a, b]).not.toContain(undomained)
  })

  it.each([
    [1, 0],
    [2, 1],
    [5, 4], // LeanIMT promotes the lone right-most node: a level without a sibling
    [16, 9],
  ])('accepts a tree of %i members (leaf %i) at its depth: variable proof length', async (members, position) => {
    const tree = await treeWith(members, position)
    const at = eligibilityDepth(tree.size)
    const input = eligibilityInputs({ ...base, merkleProof: tree.generateProof(position), depth: at })
    expect(input.merkleProofLength).toBe(BigInt(tree.generateProof(position).siblings.length))
    expect(input.merkleProofSiblings).toHaveLength(at)
    const result = await proveInNode({ circuit: 'eligibility', depth: at, input: toCircuitInput(input) })
    expect(await verifyProof(vkeyOf(at), result)).toBe(true)
    expect(eligibilitySignals(result.publicSignals).root).toBe(tree.root)
  })

  it('gives each covered visit of a period its own nullifier, stable across proofs', async () => {
    const n = await Promise.all([0, 1, 2].map((k) => eligibilityNullifier({ identitySecret, domain, planId, period: base.period, k })))
    expect(new Set(n).size).toBe(3)
    const again = await proveInNode({ circuit: 'eligibility', depth, input: toCircuitInput(eligibilityInputs({ ...params, k: 2 })) })
    expect(eligibilitySignals(again.publicSignals).nullifier).toBe(n[2])
  })

  it('rejects an expired credential', async () => {
    await expectWitnessFailure({ visitDate: validUntil + 1n }, expired())
    // Claiming a later validUntil than the insurer committed breaks membership instead.
    await expectWitnessFailure({ visitDate: validUntil + 1n, validUntil: validUntil + 100n }, rootMismatch())
  })

  it('rejects a plan the credential is not for', async () => {
    await expectWitnessFailure({ planId: planId + 1n, terms: valid.terms + 1n }, rootMismatch())
  })

  it('rejects terms that do not pack the private values, and values too wide to pack', async () => {
    const packing = failedAt('eligibility', 'Eligibility', 'terms === planId')
    await expectWitnessFailure({ terms: valid.terms + 1n }, packing)
    await expectWitnessFailure({ visitDate: valid.visitDate - 1n }, packing)
    // A credential for plan planId + 2^64 with period - 1 packs to the same terms (another
    // plan's credential claiming this plan, under another nullifier): the range check refuses it.
    const wide = planId + (1n << 64n)
    const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(identitySecret), planId: wide, validUntil })
    const tree = await memberTree([1000n, leaf, 1001n])
    const proof = tree.generateProof(1)
    const path = { merkleProofLength: BigInt(proof.siblings.length), merkleProofIndex: BigInt(proof.index), merkleProofSiblings: [...proof.siblings, ...Array<bigint>(depth - proof.siblings.length).fill(0n)], root: tree.root }
    expect(wide + ((valid.period - 1n) << 64n)).toBe(valid.planId + (valid.period << 64n))
    await expectWitnessFailure({ ...path, planId: wide, period: valid.period - 1n }, /Error in template Num2Bits_\d+ line/)
  })

  it('rejects k >= visitsPerPeriod, and visitsPerPeriod over 8 bits', async () => {
    await expectWitnessFailure({ k: 3n }, noVisitLeft())
    await expectWitnessFailure({ k: 256n + 1n, visitsPerPeriod: 256n + 3n, terms: valid.terms + (256n << 192n) }, /Error in template Num2Bits_\d+ line/)
  })

  it('rejects a wrong root, a wrong secret, a forged path and an over-long proof', async () => {
    await expectWitnessFailure({ root: valid.root + 1n }, rootMismatch())
    await expectWitnessFailure({ identitySecret: identitySecret + 1n }, rootMismatch())
    await expectWitnessFailure({ merkleProofIndex: valid.merkleProofIndex ^ 1n }, rootMismatch())
    await expectWitnessFailure({ merkleProofIndex: 1n << BigInt(depth) }, /Error in template Num2Bits_\d+ line/)
    await expectWitnessFailure({ merkleProofLength: BigInt(depth + 1) }, failedAt('binaryMerkleRoot', 'BinaryMerkleRoot', 'depthInRange === 1;'))
  })

  it('validates inputs before proving, with messages a patient can act on', () => {
    expect(() => eligibilityInputs({ ...params, visitDate: validUntil + 1n })).toThrow(/expires before the visit date/)
    expect(() => eligibilityInputs({ ...params, k: 3 })).toThrow(/used every covered visit/)
    expect(() => eligibilityInputs({ ...params, visitsPerPeriod: 0 })).toThrow(/no visits/)
    expect(() => eligibilityInputs({ ...params, merkleProof: { ...params.merkleProof, siblings: Array(21).fill(1n) } })).toThrow(/larger than this app supports/)
    expect(() => eligibilityInputs({ ...params, merkleProof: { ...params.merkleProof, siblings: Array(5).fill(1n) } })).toThrow(/does not fit the proof’s depth/)
    expect(() => eligibilityInputs({ ...params, depth: 21 })).toThrow(/does not fit the proof’s depth/)
    expect(() => eligibilityInputs({ ...params, planId: 1n << 64n })).toThrow(/out of range/)
    expect(() => eligibilityInputs({ ...params, merkleProof: { ...params.merkleProof, index: 1 << 20 } })).toThrow(/out of range/)
    expect(() => eligibilityInputs({ ...params, bookingHash: -1n })).toThrow(/out of range/)
    expect(() => eligibilityInputs({ ...params, identitySecret: 0n })).toThrow(/identity key is missing/)
    expect(() => eligibilityInputs({ ...params, domain: 1n << 248n })).toThrow(/out of range/)
  })
})
