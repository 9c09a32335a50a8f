// SPDX-License-Identifier: GPL-3.0-or-later
// circomlibjs ships no types; this declares only the parts Salus uses.
declare module 'circomlibjs' {
  export type PoseidonField = {
    toObject(element: Uint8Array): bigint
  }
  export type Poseidon = ((inputs: (bigint | number | string)[]) => Uint8Array) & { F: PoseidonField }
  export function buildPoseidon(): Promise<Poseidon>
}
