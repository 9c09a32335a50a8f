// SPDX-License-Identifier: GPL-3.0-or-later
import { eligibilityDepths, isEligibilityDepth } from './circuits.ts'
import { toField } from './field.ts'
import { checkIdentitySecret } from './identity.ts'
import { ProofInputError } from './zkErrors.ts'

/** The deepest eligibility circuit (circuits/circuits.json): up to 2^20 members per insurer. */
export const eligibilityMaxDepth = eligibilityDepths.max

/**
 * terms = planId + period * 2^64 + visitDate * 2^128 + visitsPerPeriod * 2^192: the
 * circuit's one public signal for these four (each < 2^64, visitsPerPeriod < 2^8), as
 * Insurance packs them.
 */
export function eligibilityTerms(p: { planId: bigint; period: bigint; visitDate: bigint; visitsPerPeriod: bigint }): bigint {
  return p.planId + (p.period << 64n) + (p.visitDate << 128n) + (p.visitsPerPeriod << 192n)
}

/**
 * Signals of circuits/eligibility.circom at one depth (merkleProofSiblings has `depth`
 * entries); public signals come out as [nullifier, root, terms, bookingHash, domain].
 */
export type EligibilityInput = {
  identitySecret: bigint
  validUntil: bigint
  k: bigint
  merkleProofLength: bigint
  merkleProofIndex: bigint
  merkleProofSiblings: bigint[]
  visitDate: bigint
  planId: bigint
  period: bigint
  visitsPerPeriod: bigint
  root: bigint
  terms: bigint
  bookingHash: bigint
  domain: bigint
}

export type EligibilityInputParameters = {
  identitySecret: bigint
  planId: bigint
  /** From the credential the insurer issued (unix seconds). */
  validUntil: number | bigint
  /** LeanIMT generateProof(index) on the insurer's member tree (@zk-kit/lean-imt). */
  merkleProof: { root: bigint; index: number; siblings: readonly bigint[] }
  visitDate: number | bigint
  period: number | bigint
  visitsPerPeriod: number
  /** Which covered visit of this period to use, 0..visitsPerPeriod-1. */
  k: number
  /** Insurance.bookingHash(slotId, doctor, appointments, payer) (src/chain/appointments/bookingHash.ts). */
  bookingHash: bigint
  /** Insurance.nullifierDomain(): the chain and the Insurance contract (src/chain/appointments/nullifierDomain.ts). */
  domain: bigint
  /** The circuit to prove with: eligibilityDepth(size of the member tree). Defaults to the deepest. */
  depth?: number
}

/** Pure and synchronous: validates every value, with messages a patient can act on. */
export function eligibilityInputs(p: EligibilityInputParameters): EligibilityInput {
  const validUntil = toField('validUntil', p.validUntil, 64)
  const visitDate = toField('visitDate', p.visitDate, 64)
  if (validUntil < visitDate) {
    throw new ProofInputError('Your insurance credential expires before the visit date. Ask your insurer to renew it.')
  }
  const visitsPerPeriod = toField('visitsPerPeriod', p.visitsPerPeriod, 8)
  if (visitsPerPeriod === 0n) throw new ProofInputError('Your plan covers no visits in this period.')
  const k = toField('k', p.k, 8)
  if (k >= visitsPerPeriod) {
    throw new ProofInputError('You have used every covered visit of this period. You can still book and pay the fee.')
  }
  const siblings = p.merkleProof.siblings.map((s, i) => toField(`merkleProof.siblings[${i}]`, s))
  const depth = p.depth ?? eligibilityMaxDepth
  if (siblings.length > eligibilityMaxDepth) {
    throw new ProofInputError('Your insurer’s member list is larger than this app supports.', {
      details: `${siblings.length} siblings > ${eligibilityMaxDepth}`,
    })
  }
  if (!isEligibilityDepth(depth) || siblings.length > depth) {
    throw new ProofInputError('Your insurer’s member list does not fit the proof’s depth. Reload the page and try again.', {
      details: `${siblings.length} siblings, depth ${depth}`,
    })
  }
  const index = toField('merkleProof.index', p.merkleProof.index, siblings.length)
  const planId = toField('planId', p.planId, 64)
  const period = toField('period', p.period, 64)
  return {
    identitySecret: checkIdentitySecret(p.identitySecret),
    validUntil,
    k,
    merkleProofLength: BigInt(siblings.length),
    merkleProofIndex: index,
    merkleProofSiblings: [...siblings, ...Array<bigint>(depth - siblings.length).fill(0n)],
    visitDate,
    planId,
    period,
    visitsPerPeriod,
    root: toField('merkleProof.root', p.merkleProof.root),
    terms: eligibilityTerms({ planId, period, visitDate, visitsPerPeriod }),
    bookingHash: toField('bookingHash', p.bookingHash),
    domain: toField('domain', p.domain, 248),
  }
}
