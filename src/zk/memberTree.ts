// SPDX-License-Identifier: GPL-3.0-or-later
// An insurer's member tree, as the Insurance contract's LeanIMT (zk-kit, PoseidonT3)
// builds it on chain; the patient rebuilds it from the contract's leaf events to prove.
import { LeanIMT } from '@zk-kit/lean-imt'
import { loadPoseidon } from './poseidon.ts'

export async function memberTree(leaves: readonly bigint[] = []): Promise<LeanIMT<bigint>> {
  const hash = await loadPoseidon()
  return new LeanIMT<bigint>((a, b) => hash([a, b]), [...leaves])
}
