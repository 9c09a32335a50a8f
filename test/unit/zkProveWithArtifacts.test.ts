// SPDX-License-Identifier: GPL-3.0-or-later
// proveWithArtifacts keeps one witness calculator per circuit wasm: proofs made one
// after another from the same bytes, with a failed witness in between, all hold.
import { readFileSync } from 'node:fs'
import type { VerificationKey } from 'snarkjs'
import { describe, expect, it } from 'vitest'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { proveWithArtifacts, toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { verifyProof } from '../../src/zk/verifyProof.ts'
import { ProofGenerationError } from '../../src/zk/zkErrors.ts'

const wasm = new Uint8Array(readFileSync('public/zk/consent.wasm'))
const zkey = new Uint8Array(readFileSync('public/zk/consent.zkey'))
const vkey = JSON.parse(readFileSync('public/zk/consent.vkey.json', 'utf8')) as VerificationKey
const grantee = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' as const

describe('proveWithArtifacts with a kept witness calculator', () => {
  it('proves, refuses a bad input, and proves again from the same wasm bytes', async () => {
    const input = (secret: bigint, paramsHash: bigint) => toCircuitInput(consentInputs({ chainId: 31337, consent: '0xc0115e1700000000000000000000000000000001', grantIndex: 0, identitySecret: secret, grantee, paramsHash }))
    const first = await proveWithArtifacts({ wasm, zkey, input: input(11n, 101n) })
    expect(await verifyProof(vkey, first)).toBe(true)
    // A signal the circuit does not have: the calculator throws, and is dropped.
    await expect(proveWithArtifacts({ wasm, zkey, input: { ...input(12n, 102n), notASignal: '1' } })).rejects.toBeInstanceOf(ProofGenerationError)
    const second = await proveWithArtifacts({ wasm, zkey, input: input(13n, 103n) })
    const third = await proveWithArtifacts({ wasm, zkey, input: input(14n, 104n) })
    for (const result of [second, third]) expect(await verifyProof(vkey, result)).toBe(true)
    // Each proof speaks of its own input, not a previous one's witness.
    expect(second.publicSignals[2]).toBe('103')
    expect(third.publicSignals[2]).toBe('104')
    expect(second.publicSignals[0]).not.toBe(third.publicSignals[0])
  })
})
