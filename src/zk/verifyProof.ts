// SPDX-License-Identifier: GPL-3.0-or-later
import { groth16, type VerificationKey } from 'snarkjs'
import type { Groth16ProofResult } from './proveWithArtifacts.ts'

/** Off-chain Groth16 check (a doctor checks a patient's consent proof before paying gas to submit it). */
export async function verifyProof(vkey: VerificationKey, { proof, publicSignals }: Groth16ProofResult): Promise<boolean> {
  return groth16.verify(vkey, publicSignals, proof)
}
