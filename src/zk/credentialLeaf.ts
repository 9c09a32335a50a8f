// SPDX-License-Identifier: GPL-3.0-or-later
import { toField } from './field.ts'
import { poseidon } from './poseidon.ts'

/** The insurer's member-tree leaf: Poseidon(identityCommitment, planId, validUntil), as eligibility.circom computes it. */
export async function credentialLeaf(p: { identityCommitment: bigint; planId: bigint; validUntil: number | bigint }): Promise<bigint> {
  return poseidon([toField('identityCommitment', p.identityCommitment), toField('planId', p.planId), toField('validUntil', p.validUntil, 64)])
}

