// SPDX-License-Identifier: GPL-3.0-or-later
// circuits/consent.circom through its committed artifacts (public/zk): real witnesses,
// real Groth16 proofs, and parity with the TypeScript hashes.
import { readFileSync } from 'node:fs'
import type { VerificationKey } from 'snarkjs'
import { describe, expect, it } from 'vitest'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { grantParamsHash, revokeParamsHash, scopesMask, proxiesHash } from '../../src/zk/grantHash.ts'
import { poseidon } from '../../src/zk/poseidon.ts'
import { consentDomain, consentPseudonym } from '../../src/zk/consentPseudonym.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { consentSignals } from '../../src/zk/publicSignals.ts'
import { verifyProof } from '../../src/zk/verifyProof.ts'

const vkey = JSON.parse(readFileSync('public/zk/consent.vkey.json', 'utf8')) as VerificationKey
const grantee = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const
const otherGrantee = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const
const identitySecret = 0x1234567890abcdef1234567890abcdef1234567890abcdefn
const deployment = { chainId: 31337, consent: '0x5FbDB2315678afecb367f032d93F642f64180aa3' } as const
const grant = {
  ...deployment,
  grantee,
  scopesMask: scopesMask(['allergies', 'medications']),
  expiry: 1_900_000_000,
  proxiesHash: proxiesHash(['0x90F79bf6EB2c4f870365E785982E1f101E93b906', '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65']),
  threshold: 2,
  bundleCid: 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
}

describe('consent circuit', () => {
  it('proves a grant: the proof verifies and every public signal matches TypeScript', async () => {
    const paramsHash = await grantParamsHash(grant)
    const stages: string[] = []
    const result = await proveInNode({
      circuit: 'consent',
      input: toCircuitInput(consentInputs({ ...deployment, grantIndex: 0, identitySecret, grantee, paramsHash })),
      onProgress: (p) => stages.push(p.stage),
    })
    expect(stages).toEqual(['loading artifacts', 'witness', 'proving', 'done'])
    expect(await verifyProof(vkey, result)).toBe(true)
    const signals = consentSignals(result.publicSignals)
    expect(signals.grantee).toBe(grantee)
    expect(signals.paramsHash).toBe(paramsHash)
    expect(signals.domain).toBe(consentDomain(deployment))
    // Parity: circomlibjs Poseidon = circuit Poseidon.
    expect(signals.pseudonym).toBe(await poseidon([identitySecret, BigInt(grantee), consentDomain(deployment), 0n]))
    expect(signals.pseudonym).toBe(await consentPseudonym({ ...deployment, identitySecret, grantee, grantIndex: 0 }))
  })

  it('binds the proof to the grant parameters and the pseudonym', async () => {
    const paramsHash = await grantParamsHash(grant)
    const result = await proveInNode({ circuit: 'consent', input: toCircuitInput(consentInputs({ ...deployment, grantIndex: 0, identitySecret, grantee, paramsHash })) })
    const [pseudonym, granteeSignal, , domain] = result.publicSignals as [string, string, string, string]
    const otherParams = await grantParamsHash({ ...grant, expiry: grant.expiry + 1 })
    expect(await verifyProof(vkey, { ...result, publicSignals: [pseudonym, granteeSignal, otherParams.toString(), domain] })).toBe(false)
    // The same grant for another deployment (chain or Consent contract) is another statement.
    for (const other of [{ chainId: 1 }, { consent: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as const }]) {
      const elsewhere = await grantParamsHash({ ...grant, ...other })
      expect(await verifyProof(vkey, { ...result, publicSignals: [pseudonym, granteeSignal, elsewhere.toString(), domain] })).toBe(false)
    }
    expect(await verifyProof(vkey, { ...result, publicSignals: [pseudonym, BigInt(otherGrantee).toString(), paramsHash.toString(), domain] })).toBe(false)
    expect(await verifyProof(vkey, { ...result, publicSignals: [(BigInt(pseudonym) + 1n).toString(), granteeSignal, paramsHash.toString(), domain] })).toBe(false)
    // The contract supplies its own domain: a proof for this deployment does not verify under another's.
    const otherDomain = consentDomain({ ...deployment, chainId: 1 }).toString()
    expect(await verifyProof(vkey, { ...result, publicSignals: [pseudonym, granteeSignal, paramsHash.toString(), otherDomain] })).toBe(false)
  })

  it('a wrong secret cannot produce the grant pseudonym, and revocation reproduces it', async () => {
    const expected = await consentPseudonym({ ...deployment, identitySecret, grantee, grantIndex: 0 })
    const revoke = await revokeParamsHash({ ...deployment, grantId: 7n })
    const wrong = await proveInNode({ circuit: 'consent', input: toCircuitInput(consentInputs({ ...deployment, grantIndex: 0, identitySecret: identitySecret + 1n, grantee, paramsHash: revoke })) })
    expect(BigInt(wrong.publicSignals[0]!)).not.toBe(expected)
    // Claiming the real pseudonym with the wrong secret's proof fails verification.
    expect(await verifyProof(vkey, { ...wrong, publicSignals: [expected.toString(), ...wrong.publicSignals.slice(1)] })).toBe(false)
    const right = await proveInNode({ circuit: 'consent', input: toCircuitInput(consentInputs({ ...deployment, grantIndex: 0, identitySecret, grantee, paramsHash: revoke })) })
    expect(consentSignals(right.publicSignals).pseudonym).toBe(expected)
    expect(await verifyProof(vkey, right)).toBe(true)
  })

  it('gives a patient unlinkable pseudonyms: per doctor, per grant and per deployment', async () => {
    const of = (o: Partial<{ grantee: `0x${string}`; grantIndex: number; chainId: number }>) => consentPseudonym({ ...deployment, identitySecret, grantee, grantIndex: 0, ...o })
    const values = await Promise.all([of({}), of({ grantee: otherGrantee }), of({ grantIndex: 1 }), of({ chainId: 1 })])
    expect(new Set(values).size).toBe(4)
    // A grant with another index is proven and reproduced from that index alone.
    const revoke = await revokeParamsHash({ ...deployment, grantId: 9n })
    const second = await proveInNode({ circuit: 'consent', input: toCircuitInput(consentInputs({ ...deployment, grantIndex: 1, identitySecret, grantee, paramsHash: revoke })) })
    expect(consentSignals(second.publicSignals).pseudonym).toBe(values[2])
    expect(await verifyProof(vkey, second)).toBe(true)
  })
})
