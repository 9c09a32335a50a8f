// SPDX-License-Identifier: GPL-3.0-or-later
import { SalusError, type SalusErrorParameters } from '../errors/salusError.ts'

/** A proof input is missing, out of range or inconsistent; nothing was proven. */
export class ProofInputError extends SalusError {
  override name = 'ProofInputError' as const
  constructor(shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** Witness or proof generation failed (the inputs do not satisfy the circuit). */
export class ProofGenerationError extends SalusError {
  override name = 'ProofGenerationError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super('The proof could not be created from your credentials. Check the details and try again.', parameters)
  }
}

/** The circuit files (wasm, zkey) could not be fetched or read. */
export class CircuitArtifactError extends SalusError {
  override name = 'CircuitArtifactError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super('The files needed to create a proof could not be loaded. Check your connection and reload the page.', parameters)
  }
}
