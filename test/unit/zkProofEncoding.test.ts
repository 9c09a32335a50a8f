// SPDX-License-Identifier: GPL-3.0-or-later
// Proof transport: parsing untrusted proofs from peers and encoding them for Solidity.
import { readFileSync } from 'node:fs'
import { groth16 } from 'snarkjs'
import { describe, expect, it } from 'vitest'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { snarkScalarField } from '../../src/zk/field.ts'
import { parseGroth16Proof } from '../../src/zk/parseProof.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput, type Groth16ProofResult } from '../../src/zk/proveWithArtifacts.ts'
import { consentSignals, eligibilitySignals } from '../../src/zk/publicSignals.ts'
import { toSolidityProof, toSolidityPublicSignals } from '../../src/zk/toSolidityProof.ts'

const fixture = JSON.parse(readFileSync('test/fixtures/zk/consent.proof.json', 'utf8')) as Groth16ProofResult & { solidity: unknown }

describe('proof encoding', () => {
  it('toSolidityProof matches snarkjs exportSolidityCallData', async () => {
    const result = await proveInNode({
      circuit: 'consent',
      input: toCircuitInput(consentInputs({ chainId: 31337, consent: '0xc0115e1700000000000000000000000000000001', grantIndex: 0, identitySecret: 7n, grantee: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', paramsHash: 9n })),
    })
    const calldata = JSON.parse(`[${await groth16.exportSolidityCallData(result.proof, result.publicSignals)}]`) as unknown[]
    const { a, b, c, packed } = toSolidityProof(result.proof)
    const hex = (v: unknown): unknown => (typeof v === 'bigint' ? `0x${v.toString(16).padStart(64, '0')}` : Array.isArray(v) ? v.map(hex) : v)
    expect(hex([a, b, c, toSolidityPublicSignals(result.publicSignals)])).toEqual(calldata)
    expect(packed).toEqual([a[0], a[1], b[0][0], b[0][1], b[1][0], b[1][1], c[0], c[1]])
  })

  it('accepts a well-formed proof from a peer and refuses malformed ones', () => {
    const good = { proof: fixture.proof, publicSignals: fixture.publicSignals }
    expect(parseGroth16Proof(JSON.parse(JSON.stringify(good)), 4)).toEqual(good)
    const bad: unknown[] = [
      null,
      'proof',
      { ...good, publicSignals: fixture.publicSignals.slice(1) },
      { ...good, publicSignals: [...fixture.publicSignals.slice(1), snarkScalarField.toString()] },
      { ...good, publicSignals: ['0x01', ...fixture.publicSignals.slice(1)] },
      { ...good, proof: { ...fixture.proof, pi_a: fixture.proof.pi_a.slice(1) } },
      { ...good, proof: { ...fixture.proof, pi_b: [[1, 2], ...fixture.proof.pi_b.slice(1)] } },
      { ...good, proof: { ...fixture.proof, pi_c: ['9'.repeat(79), '1', '1'] } },
    ]
    for (const value of bad) expect(() => parseGroth16Proof(value, 4), JSON.stringify(value)).toThrow(/malformed/)
  })

  it('names public signals in circuit order', () => {
    expect(() => consentSignals(['1', '2'])).toThrow(/malformed/)
    expect(() => consentSignals(['1', (1n << 160n).toString(), '3', '4'])).toThrow(/malformed/)
    expect(consentSignals(['1', BigInt('0x70997970C51812dc3A010C7d01b50e0d17dc79C8').toString(), '3', '4']).grantee).toBe('0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
    expect(() => eligibilitySignals(['1', '2', '3', '4', '5', '6', '7', '8'])).toThrow(/malformed/)
    const terms = 4n + (5n << 64n) + (3n << 128n) + (6n << 192n)
    expect(eligibilitySignals(['1', '2', terms.toString(), '7', '8'])).toEqual({
      nullifier: 1n, root: 2n, visitDate: 3n, planId: 4n, period: 5n, visitsPerPeriod: 6n, bookingHash: 7n, domain: 8n,
    })
    expect(() => eligibilitySignals(['1', '2', (1n << 200n).toString(), '7', '8'])).toThrow(/malformed/)
  })
})
