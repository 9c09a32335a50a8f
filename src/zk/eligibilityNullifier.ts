// SPDX-License-Identifier: GPL-3.0-or-later
import { toField } from './field.ts'
import { poseidon } from './poseidon.ts'

/** The eligibility nullifier Poseidon(identitySecret, planId, period, k): lets the patient see which k are spent. */
export async function eligibilityNullifier(p: { identitySecret: bigint; planId: bigint; period: number | bigint; k: number }): Promise<bigint> {
  return poseidon([toField('identitySecret', p.identitySecret), toField('planId', p.planId), toField('period', p.period, 64), toField('k', p.k, 8)])
}
