// SPDX-License-Identifier: GPL-3.0-or-later
// snarkjs ships no types; this declares only the parts Salus uses.
declare module 'snarkjs' {
  export type NumericString = string

  export type Groth16Proof = {
    pi_a: [NumericString, NumericString, NumericString]
    pi_b: [[NumericString, NumericString], [NumericString, NumericString], [NumericString, NumericString]]
    pi_c: [NumericString, NumericString, NumericString]
    protocol: 'groth16'
    curve: 'bn128'
  }

  export type VerificationKey = {
    protocol: string
    curve: string
    nPublic: number
    [key: string]: unknown
  }

  /** A file name (Node), a Uint8Array, or fastfile's in-memory descriptor. */
  export type FileLike = string | Uint8Array | { type: 'mem'; data?: Uint8Array }

  export type Logger = {
    debug: (message: string) => void
    info: (message: string) => void
    warn: (message: string) => void
    error: (message: string) => void
  }

  export type SignalInput = Record<string, bigint | string | number | (bigint | string | number)[]>

  export const groth16: {
    fullProve(input: SignalInput, wasm: FileLike, zkey: FileLike, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: NumericString[] }>
    prove(zkey: FileLike, witness: FileLike, logger?: Logger): Promise<{ proof: Groth16Proof; publicSignals: NumericString[] }>
    verify(vkey: VerificationKey, publicSignals: (NumericString | bigint)[], proof: Groth16Proof, logger?: Logger): Promise<boolean>
    exportSolidityCallData(proof: Groth16Proof, publicSignals: NumericString[]): Promise<string>
  }

  export const wtns: {
    calculate(input: SignalInput, wasm: FileLike, output: FileLike): Promise<void>
  }

  export const zKey: {
    newZKey(r1cs: FileLike, ptau: FileLike, zkey: FileLike, logger?: Logger): Promise<unknown>
    beacon(oldZkey: FileLike, newZkey: FileLike, name: string, beaconHashHex: string, numIterationsExp: number, logger?: Logger): Promise<unknown>
    verifyFromR1cs(r1cs: FileLike, ptau: FileLike, zkey: FileLike, logger?: Logger): Promise<boolean>
    exportVerificationKey(zkey: FileLike, logger?: Logger): Promise<VerificationKey>
    exportSolidityVerifier(zkey: FileLike, templates: { groth16: string }, logger?: Logger): Promise<string>
  }

  export const powersOfTau: {
    newAccumulator(curve: unknown, power: number, fileName: string, logger?: Logger): Promise<unknown>
    beacon(oldPtau: string, newPtau: string, name: string, beaconHashHex: string, numIterationsExp: number, logger?: Logger): Promise<unknown>
    preparePhase2(oldPtau: string, newPtau: string, logger?: Logger): Promise<unknown>
  }

  export const r1cs: {
    info(r1cs: FileLike, logger?: Logger): Promise<{ nConstraints: number; nVars: number; nPubInputs: number; nOutputs: number }>
  }

  export const curves: {
    getCurveFromName(name: string): Promise<{ terminate(): Promise<void> }>
  }
}
