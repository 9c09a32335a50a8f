// SPDX-License-Identifier: GPL-3.0-or-later
import { toField } from './field.ts'
import { poseidon } from './poseidon.ts'

/**
 * The eligibility nullifier Poseidon(identitySecret, domain, planId, period, k), as
 * circuits/eligibility.circom computes it: lets the patient see which k are spent.
 * `domain` is Insurance.nullifierDomain() (chain id and contract address), so the same
 * member's nullifiers on two deployments share nothing.
 */
export async function eligibilityNullifier(p: { identitySecret: bigint; domain: bigint; planId: bigint; period: number | bigint; k: number }): Promise<bigint> {
  return poseidon([
    toField('identitySecret', p.identitySecret),
    toField('domain', p.domain, 248),
    toField('planId', p.planId),
    toField('period', p.period, 64),
    toField('k', p.k, 8),
  ])
}
