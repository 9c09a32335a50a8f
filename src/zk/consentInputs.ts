// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { toField } from './field.ts'
import { addressToField } from './grantHash.ts'
import { checkIdentitySecret } from './identity.ts'

/** Signals of circuits/consent.circom; public signals come out as [pseudonym, grantee, paramsHash]. */
export type ConsentInput = {
  identitySecret: bigint
  grantee: bigint
  paramsHash: bigint
}

export type ConsentInputParameters = {
  identitySecret: bigint
  grantee: Address
  /** grantParamsHash(...) for a grant, revokeParamsHash(...) for a revocation. */
  paramsHash: bigint
}

/** Pure and synchronous: validates every value before any proving starts. */
export function consentInputs(parameters: ConsentInputParameters): ConsentInput {
  return {
    identitySecret: checkIdentitySecret(parameters.identitySecret),
    grantee: addressToField(parameters.grantee),
    paramsHash: toField('paramsHash', parameters.paramsHash),
  }
}
