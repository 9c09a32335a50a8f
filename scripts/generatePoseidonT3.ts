/**
 * Writes contracts/generated/SparsePoseidonT3.sol: Poseidon over BN254 with two inputs
 * (circomlib's parameters, t = 3), the hasher of Insurance's member trees. Same output
 * as circomlib's Poseidon(2), circomlibjs and poseidon-solidity's PoseidonT3, computed
 * in the sparse-matrix form of the partial rounds that circomlib's own circuit and
 * circomlibjs's poseidon_opt use (Neptune's optimisation): 8 multiplications per
 * partial round instead of 12, about a third less gas per hash than PoseidonT3.
 * The constants come from circomlibjs's src/poseidon_constants_opt.json, unchanged.
 *
 * `--check` compares with the committed file instead and exits 1 on a difference.
 * scripts/generateContracts.ts runs this first, so one command refreshes everything.
 *
 *   npx tsx scripts/generatePoseidonT3.ts [--check]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const sparsePoseidonT3Path = path.join(root, 'contracts/generated/SparsePoseidonT3.sol')

const F = 21888242871839275222246405745257275088548364400416034343698204186575808495617n
const t = 3
const fullRounds = 8
const partialRounds = 57 // circomlibjs N_ROUNDS_P[t - 2]

type Constants = { C: string[][]; S: string[][]; M: string[][][]; P: string[][][] }

const mod = (a: bigint) => ((a % F) + F) % F
const pow5 = (a: bigint) => mod(a * a * a * a * a)
const hex = (a: bigint) => `0x${a.toString(16).padStart(64, '0')}`

/**
 * The Yul body, following circomlibjs's poseidon_opt step by step. Lazy reduction:
 * mulmod takes any 256-bit operands, so sums of up to five values below F (5F < 2^256)
 * feed it unreduced. In the partial rounds s1 and s2 grow by less than F a round: they
 * are reduced (addmod) every fifth round, so they never reach 5F.
 */
export function sparsePoseidonT3Source(): string {
  const opt = JSON.parse(readFileSync(path.join(root, 'node_modules/circomlibjs/src/poseidon_constants_opt.json'), 'utf8')) as Constants
  const C = opt.C[t - 2]!.map(BigInt)
  const S = opt.S[t - 2]!.map(BigInt)
  const M = opt.M[t - 2]!.map((row) => row.map(BigInt))
  const P = opt.P[t - 2]!.map((row) => row.map(BigInt))
  if (C.length !== t * fullRounds + partialRounds || S.length !== (2 * t - 1) * partialRounds) {
    throw new Error('circomlibjs poseidon_constants_opt.js: unexpected shape for t = 3')
  }
  const lines: string[] = []
  const emit = (line: string) => lines.push(`            ${line}`)
  const sbox = (v: string) => {
    emit(`x := mulmod(${v}, ${v}, F)`)
    emit(`${v} := mulmod(mulmod(x, x, F), ${v}, F)`)
  }
  /**
   * s_i := sum_j m[j][i] * s_j + k_i, all three at once through a and b. A known s0
   * (the first round's) is folded into k.
   */
  const mix = (m: bigint[][], k: bigint[], s0?: bigint) => {
    const term = (i: number) => {
      if (s0 !== undefined) {
        const constant = mod(k[i]! + m[0]![i]! * s0)
        return `add(add(mulmod(s1, ${hex(m[1]![i]!)}, F), mulmod(s2, ${hex(m[2]![i]!)}, F)), ${hex(constant)})`
      }
      return `add(add(add(mulmod(s0, ${hex(m[0]![i]!)}, F), mulmod(s1, ${hex(m[1]![i]!)}, F)), mulmod(s2, ${hex(m[2]![i]!)}, F)), ${hex(k[i]!)})`
    }
    emit(`a := ${term(0)}`)
    emit(`b := ${term(1)}`)
    emit(`s2 := ${term(2)}`)
    emit('s0 := a')
    emit('s1 := b')
  }
  /** The round constants added after an S-box and before the mix, folded through the matrix. */
  const folded = (m: bigint[][], c: bigint[]) => [0, 1, 2].map((i) => mod(m[0]![i]! * c[0]! + m[1]![i]! * c[1]! + m[2]![i]! * c[2]!))
  const roundConstants = (r: number) => C.slice(r * t, r * t + t)

  // state = [0, in0, in1] + C[0..3); state[0] is a constant, so are its S-box and its
  // share of the first mix.
  emit('let s0 := 0')
  emit(`let s1 := add(mod(calldataload(4), F), ${hex(C[1]!)})`)
  emit(`let s2 := add(mod(calldataload(36), F), ${hex(C[2]!)})`)
  emit('let x := 0')
  emit('let a := 0')
  emit('let b := 0')
  // First half of the full rounds: S-box, add C, mix (M, then P before the partial rounds).
  for (let r = 0; r < fullRounds / 2; r++) {
    if (r > 0) sbox('s0')
    sbox('s1')
    sbox('s2')
    const m = r < fullRounds / 2 - 1 ? M : P
    mix(m, folded(m, roundConstants(r + 1)), r === 0 ? pow5(C[0]!) : undefined)
  }
  // Partial rounds, sparse: s0 = S-box(s0) + c; s0' = S·state; s_k += s0 * S[t + k - 1].
  for (let r = 0; r < partialRounds; r++) {
    const c = C[(fullRounds / 2 + 1) * t + r]!
    const s = S.slice((2 * t - 1) * r, (2 * t - 1) * (r + 1))
    emit(`x := mulmod(s0, s0, F)`)
    emit(`x := add(mulmod(mulmod(x, x, F), s0, F), ${hex(c)})`)
    emit(`s0 := add(add(mulmod(x, ${hex(s[0]!)}, F), mulmod(s1, ${hex(s[1]!)}, F)), mulmod(s2, ${hex(s[2]!)}, F))`)
    // Entering with s1, s2 < 4F (the P mix); reduced in rounds 0, 5, 10, …, so below 5F.
    const accumulate = r % 5 === 0 ? (v: string, c: bigint) => `addmod(${v}, mulmod(x, ${hex(c)}, F), F)` : (v: string, c: bigint) => `add(${v}, mulmod(x, ${hex(c)}, F))`
    emit(`s1 := ${accumulate('s1', s[3]!)}`)
    emit(`s2 := ${accumulate('s2', s[4]!)}`)
  }
  // Second half: S-box, add C, mix M; the last round has no constants and only s0 is read.
  for (let r = 0; r < fullRounds / 2 - 1; r++) {
    sbox('s0')
    sbox('s1')
    sbox('s2')
    const offset = (fullRounds / 2 + 1) * t + partialRounds + r * t
    mix(M, folded(M, C.slice(offset, offset + t)))
  }
  sbox('s0')
  sbox('s1')
  sbox('s2')
  emit(`out := mod(add(add(mulmod(s0, ${hex(M[0]![0]!)}, F), mulmod(s1, ${hex(M[1]![0]!)}, F)), mulmod(s2, ${hex(M[2]![0]!)}, F)), F)`)

  return `// SPDX-License-Identifier: GPL-3.0-or-later
// Generated by scripts/generatePoseidonT3.ts from circomlibjs's poseidon_constants_opt.json. Do not edit.
pragma solidity ^0.8.24;

/// @title SparsePoseidonT3
/// @notice Poseidon over BN254 of two field elements with circomlib's parameters: the
/// same value as circomlib's Poseidon(2) and poseidon-solidity's PoseidonT3 (inputs are
/// reduced modulo the field first, as there). The partial rounds use the sparse-matrix
/// form of circomlibjs's poseidon_opt, which needs fewer multiplications.
/// @dev Bounds: every S-box output is below F; a round constant or a folded constant
/// vector adds less than F; a mix sums three products below F, plus a constant. In the
/// partial rounds s1 and s2 gain less than F a round and are reduced every fifth. So
/// no value exceeds 5F < 2^256.
contract SparsePoseidonT3 {
    function hash(uint256[2] calldata) external pure returns (uint256 out) {
        assembly ("memory-safe") {
            let F := ${F}
${lines.join('\n')}
        }
    }
}
`
}

export function main(check: boolean): number {
  const fresh = sparsePoseidonT3Source()
  const relative = path.relative(root, sparsePoseidonT3Path)
  if (check) {
    if (!existsSync(sparsePoseidonT3Path) || readFileSync(sparsePoseidonT3Path, 'utf8') !== fresh) {
      console.error(`out of date: ${relative}. Run \`npx tsx scripts/generatePoseidonT3.ts\` and commit the result.`)
      return 1
    }
    console.log(`${relative} is up to date`)
    return 0
  }
  writeFileSync(sparsePoseidonT3Path, fresh)
  console.log(`wrote ${relative}`)
  return 0
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.includes('--check'))
}
