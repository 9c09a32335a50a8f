// SPDX-License-Identifier: GPL-3.0-or-later
// A proof that arrives from a peer is untrusted: check its shape and sizes before
// snarkjs or a contract call sees it.
import type { Groth16Proof } from 'snarkjs'
import { snarkScalarField } from './field.ts'
import type { Groth16ProofResult } from './proveWithArtifacts.ts'
import { ProofInputError } from './zkErrors.ts'

/** BN254 base field modulus q: proof coordinates are elements of [0, q). */
const baseField = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

const decimal = /^[0-9]{1,78}$/

function element(value: unknown, modulus: bigint, what: string): string {
  if (typeof value !== 'string' || !decimal.test(value) || BigInt(value) >= modulus) {
    throw new ProofInputError('The proof received is malformed.', { details: `bad ${what}` })
  }
  return value
}

function coordinates(value: unknown, length: number, what: string): string[] {
  if (!Array.isArray(value) || value.length !== length) throw new ProofInputError('The proof received is malformed.', { details: `bad ${what}` })
  return value.map((v, i) => element(v, baseField, `${what}[${i}]`))
}

/** Validates an untrusted { proof, publicSignals } with exactly nPublic signals. */
export function parseGroth16Proof(value: unknown, nPublic: number): Groth16ProofResult {
  const v = value as { proof?: Record<string, unknown>; publicSignals?: unknown } | null
  if (typeof v !== 'object' || v === null || typeof v.proof !== 'object' || v.proof === null) {
    throw new ProofInputError('The proof received is malformed.', { details: 'not an object with a proof' })
  }
  const { proof } = v
  if (!Array.isArray(proof.pi_b) || proof.pi_b.length !== 3) throw new ProofInputError('The proof received is malformed.', { details: 'bad pi_b' })
  const signals = v.publicSignals
  if (!Array.isArray(signals) || signals.length !== nPublic) {
    throw new ProofInputError('The proof received is malformed.', { details: `expected ${nPublic} public signals` })
  }
  return {
    proof: {
      pi_a: coordinates(proof.pi_a, 3, 'pi_a') as Groth16Proof['pi_a'],
      pi_b: proof.pi_b.map((pair, i) => coordinates(pair, 2, `pi_b[${i}]`)) as Groth16Proof['pi_b'],
      pi_c: coordinates(proof.pi_c, 3, 'pi_c') as Groth16Proof['pi_c'],
      protocol: 'groth16',
      curve: 'bn128',
    },
    publicSignals: signals.map((s, i) => element(s, snarkScalarField, `publicSignals[${i}]`)),
  }
}
