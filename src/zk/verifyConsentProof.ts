// SPDX-License-Identifier: GPL-3.0-or-later
import type { Groth16Proof, VerificationKey } from 'snarkjs'
import { snarkScalarField } from './field.ts'
import { addressToField, grantParamsHash, type ConsentDeployment, type GrantTerms } from './grantHash.ts'
import { verifyProof } from './verifyProof.ts'
import { consentDomain } from './consentPseudonym.ts'

/** BN254 base field modulus q: proof coordinates are elements of [0, q). */
const baseField = 21888242871839275222246405745257275088696311157297823662689037894645226208583n

export type VerifyConsentProofParameters = ConsentDeployment & {
  terms: GrantTerms
  pseudonym: bigint
  /** Packed as the Consent contract takes it: uint256[8] (a, b, c), G2 in (imaginary, real) order. */
  proof: readonly bigint[]
}

export type ConsentProofCheck = { ok: true } | { ok: false; reason: string }

/**
 * Off-chain, what Consent.grant would check on chain: the proof fits these exact terms
 * (paramsHash recomputed for this chain and Consent contract), this grantee and this
 * pseudonym. A doctor runs it before keeping a delivered consent, so a forged or altered
 * one costs nothing and never reaches the screen.
 */
export async function verifyConsentProof(vkey: VerificationKey, { chainId, consent, terms, pseudonym, proof }: VerifyConsentProofParameters): Promise<ConsentProofCheck> {
  let paramsHash: bigint
  let grantee: bigint
  try {
    paramsHash = await grantParamsHash({ chainId, consent, ...terms })
    grantee = addressToField(terms.grantee)
  } catch (error) {
    return { ok: false, reason: `Its terms are not valid (${error instanceof Error ? error.message.split('\n')[0] : String(error)}), so no proof can fit them.` }
  }
  if (proof.length !== 8 || proof.some((word) => word < 0n || word >= baseField)) return { ok: false, reason: 'Its proof is malformed.' }
  if (pseudonym < 0n || pseudonym >= snarkScalarField) return { ok: false, reason: 'Its pseudonym is not a field element, so no proof can fit it.' }
  const [a0, a1, b00, b01, b10, b11, c0, c1] = proof.map((word) => word.toString()) as [string, string, string, string, string, string, string, string]
  const unpacked: Groth16Proof = {
    pi_a: [a0, a1, '1'],
    pi_b: [
      [b01, b00],
      [b11, b10],
      ['1', '0'],
    ],
    pi_c: [c0, c1, '1'],
    protocol: 'groth16',
    curve: 'bn128',
  }
  let valid = false
  try {
    valid = await verifyProof(vkey, { proof: unpacked, publicSignals: [pseudonym.toString(), grantee.toString(), paramsHash.toString(), consentDomain({ chainId, consent }).toString()] })
  } catch {
    // Points off the curve and the like: not a proof.
  }
  return valid
    ? { ok: true }
    : {
        ok: false,
        reason: 'Its proof does not fit its terms (doctor, scopes, expiry, proxies, key bundle or pseudonym): it was not made by a patient for this consent.',
      }
}
