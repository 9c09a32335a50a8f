// SPDX-License-Identifier: GPL-3.0-or-later
import { toField } from './field.ts'
import { checkIdentitySecret } from './identity.ts'
import { ProofInputError } from './zkErrors.ts'

/** MAX_DEPTH of circuits/eligibility.circom (circuits/circuits.json): up to 2^20 members per insurer. */
export const eligibilityMaxDepth = 20

/**
 * Signals of circuits/eligibility.circom; public signals come out as
 * [nullifier, root, visitDate, planId, period, visitsPerPeriod, bookingHash, domain].
 */
export type EligibilityInput = {
  identitySecret: bigint
  validUntil: bigint
  k: bigint
  merkleProofLength: bigint
  merkleProofIndex: bigint
  merkleProofSiblings: bigint[]
  root: bigint
  visitDate: bigint
  planId: bigint
  period: bigint
  visitsPerPeriod: bigint
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
  if (siblings.length > eligibilityMaxDepth) {
    throw new ProofInputError('Your insurer’s member list is larger than this app supports.', {
      details: `${siblings.length} siblings > ${eligibilityMaxDepth}`,
    })
  }
  const index = toField('merkleProof.index', p.merkleProof.index, siblings.length)
  return {
    identitySecret: checkIdentitySecret(p.identitySecret),
    validUntil,
    k,
    merkleProofLength: BigInt(siblings.length),
    merkleProofIndex: index,
    merkleProofSiblings: [...siblings, ...Array<bigint>(eligibilityMaxDepth - siblings.length).fill(0n)],
    root: toField('merkleProof.root', p.merkleProof.root),
    visitDate,
    planId: toField('planId', p.planId),
    period: toField('period', p.period, 64),
    visitsPerPeriod,
    bookingHash: toField('bookingHash', p.bookingHash),
    domain: toField('domain', p.domain, 248),
  }
}
