// SPDX-License-Identifier: GPL-3.0-or-later
// Public signals by name, in the order circom emits them (outputs, then public inputs):
// see publicSignals in circuits/circuits.json.
import { getAddress, type Address } from 'viem'
import { ProofInputError } from './zkErrors.ts'

export type ConsentSignals = { pseudonym: bigint; grantee: Address; paramsHash: bigint; domain: bigint }

export type EligibilitySignals = {
  nullifier: bigint
  root: bigint
  /** Unpacked from the `terms` signal (eligibilityTerms). */
  planId: bigint
  period: bigint
  visitDate: bigint
  visitsPerPeriod: bigint
  bookingHash: bigint
  domain: bigint
}

function numbers(publicSignals: readonly string[], count: number): bigint[] {
  if (publicSignals.length !== count) {
    throw new ProofInputError('The proof received is malformed.', { details: `expected ${count} public signals, got ${publicSignals.length}` })
  }
  return publicSignals.map((s) => BigInt(s))
}

export function consentSignals(publicSignals: readonly string[]): ConsentSignals {
  const [pseudonym, grantee, paramsHash, domain] = numbers(publicSignals, 4) as [bigint, bigint, bigint, bigint]
  if (grantee >> 160n !== 0n) throw new ProofInputError('The proof received is malformed.', { details: 'grantee is not an address' })
  return { pseudonym, grantee: getAddress(`0x${grantee.toString(16).padStart(40, '0')}`), paramsHash, domain }
}

export function eligibilitySignals(publicSignals: readonly string[]): EligibilitySignals {
  const [nullifier, root, terms, bookingHash, domain] = numbers(publicSignals, 5) as [bigint, bigint, bigint, bigint, bigint]
  const word = (shift: bigint, bits: bigint) => (terms >> shift) & ((1n << bits) - 1n)
  if (terms >> 200n !== 0n) throw new ProofInputError('The proof received is malformed.', { details: 'terms is wider than 200 bits' })
  return { nullifier, root, planId: word(0n, 64n), period: word(64n, 64n), visitDate: word(128n, 64n), visitsPerPeriod: word(192n, 8n), bookingHash, domain }
}
