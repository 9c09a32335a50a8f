// SPDX-License-Identifier: GPL-3.0-or-later
// poseidon-lite (used by the app) against circomlibjs (the reference implementation
// that ships with circomlib); the circuit tests check both against the circuits.
import { buildPoseidon } from 'circomlibjs'
import { describe, expect, it } from 'vitest'
import { snarkScalarField } from '../../src/zk/field.ts'
import { poseidon, poseidonHash } from '../../src/zk/poseidon.ts'

describe('poseidon', () => {
  it('equals circomlibjs for every arity Salus uses', async () => {
    const reference = await buildPoseidon()
    let seed = 12345n
    const next = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) % snarkScalarField)
    for (let arity = 1; arity <= 5; arity++) {
      for (const inputs of [Array(arity).fill(0n), Array(arity).fill(snarkScalarField - 1n), Array.from({ length: arity }, next)]) {
        expect(poseidonHash(inputs), `arity ${arity}`).toBe(reference.F.toObject(reference(inputs)))
      }
    }
    // A known vector: Poseidon([1, 2]) from circomlib's test suite.
    expect(await poseidon([1n, 2n])).toBe(0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an)
  })

  it('refuses inputs it would silently reduce and widths it does not have', () => {
    expect(() => poseidonHash([snarkScalarField])).toThrow(RangeError)
    expect(() => poseidonHash([-1n])).toThrow(RangeError)
    expect(() => poseidonHash([])).toThrow(RangeError)
    expect(() => poseidonHash(Array(6).fill(1n))).toThrow(RangeError)
  })
})
