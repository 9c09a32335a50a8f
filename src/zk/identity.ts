// SPDX-License-Identifier: GPL-3.0-or-later
import { toField } from './field.ts'
import { poseidon } from './poseidon.ts'
import { ProofInputError } from './zkErrors.ts'

/** Checks an identitySecret (from deriveKeys) before it enters any hash or circuit. */
export function checkIdentitySecret(identitySecret: bigint): bigint {
  const secret = toField('identitySecret', identitySecret)
  if (secret === 0n) throw new ProofInputError('Your identity key is missing. Unlock your account and try again.')
  return secret
}

/** identityCommitment = Poseidon(identitySecret): what an insurer puts in its member tree. */
export async function identityCommitment(identitySecret: bigint): Promise<bigint> {
  return poseidon([checkIdentitySecret(identitySecret)])
}
