// SPDX-License-Identifier: GPL-3.0-or-later
// The part of circom_runtime (circom's witness calculator, snarkjs's own dependency) Salus uses.
declare module 'circom_runtime' {
  export type WitnessCalculator = {
    /** A .wtns file's bytes for `input` (signal name → decimal string or array of them). */
    calculateWTNSBin(input: Record<string, unknown>, sanityCheck?: boolean): Promise<Uint8Array>
  }
  export function WitnessCalculatorBuilder(code: Uint8Array, options?: { memorySize?: number }): Promise<WitnessCalculator>
}
