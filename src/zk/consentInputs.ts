// SPDX-License-Identifier: GPL-3.0-or-later
import type { Address } from 'viem'
import { consentDomain } from './consentPseudonym.ts'
import { toField } from './field.ts'
import { addressToField, type ConsentDeployment } from './grantHash.ts'
import { checkIdentitySecret } from './identity.ts'

/** Signals of circuits/consent.circom; public signals come out as [pseudonym, grantee, paramsHash, domain]. */
export type ConsentInput = {
  identitySecret: bigint
  grantIndex: bigint
  grantee: bigint
  paramsHash: bigint
  domain: bigint
}

export type ConsentInputParameters = ConsentDeployment & {
  identitySecret: bigint
  grantee: Address
  /** Which of the patient's grants to this grantee (src/zk/consentPseudonym.ts). */
  grantIndex: number
  /** grantParamsHash(...), revokeParamsHash(...) or reissueParamsHash(...). */
  paramsHash: bigint
}

/** Pure and synchronous: validates every value before any proving starts. */
export function consentInputs(parameters: ConsentInputParameters): ConsentInput {
  return {
    identitySecret: checkIdentitySecret(parameters.identitySecret),
    grantIndex: toField('grantIndex', parameters.grantIndex, 32),
    grantee: addressToField(parameters.grantee),
    paramsHash: toField('paramsHash', parameters.paramsHash),
    domain: consentDomain(parameters),
  }
}
