// SPDX-License-Identifier: GPL-3.0-or-later
import { encodeAbiParameters, getAddress, isAddress, keccak256, type Address } from 'viem'
import { toField } from './field.ts'
import { addressToField, type ConsentDeployment } from './grantHash.ts'
import { checkIdentitySecret } from './identity.ts'
import { poseidon } from './poseidon.ts'
import { ProofInputError } from './zkErrors.ts'

/**
 * What a deployment's consent pseudonyms are bound to, exactly as Consent.consentDomain:
 * uint256(keccak256(abi.encode(chainid, consent))) >> 8. One patient's pseudonyms for one
 * doctor on two deployments (a test chain and the real one) share nothing.
 */
export function consentDomain({ chainId, consent }: ConsentDeployment): bigint {
  if (!isAddress(consent, { strict: false })) throw new ProofInputError('The consent contract’s address in the network configuration is not valid.', { details: `consent ${String(consent)}` })
  return BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'address' }], [toField('chainId', chainId, 256), getAddress(consent)]))) >> 8n
}

/** Grant indices a patient's app looks for, per grantee, past the last one it found. */
export const grantIndexWindow = 16

export type ConsentPseudonymParameters = ConsentDeployment & {
  identitySecret: bigint
  grantee: Address
  /** Which of the patient's grants to this grantee (0, 1, …): each grant has its own pseudonym. */
  grantIndex: number
}

/**
 * Poseidon(identitySecret, grantee, domain, grantIndex), as circuits/consent.circom: the
 * pseudonym of one grant. Nothing on chain links two of a patient's grants, even to the
 * same doctor; the patient finds their own by recomputing it for small indices.
 */
export async function consentPseudonym(p: ConsentPseudonymParameters): Promise<bigint> {
  return poseidon([checkIdentitySecret(p.identitySecret), addressToField(p.grantee), consentDomain(p), toField('grantIndex', p.grantIndex, 32)])
}
