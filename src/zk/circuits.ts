// SPDX-License-Identifier: GPL-3.0-or-later
// Circuit names and where their artifacts are served (scripts/buildCircuits.ts writes public/zk/).
export const circuitNames = ['consent', 'eligibility'] as const
export type CircuitName = (typeof circuitNames)[number]

export function isCircuitName(value: unknown): value is CircuitName {
  return typeof value === 'string' && (circuitNames as readonly string[]).includes(value)
}

/**
 * Depths the eligibility circuit is built for (circuits/circuits.json "depths"), one
 * circuit and one key each, as Semaphore V4 does: Eligibility(d) takes member paths of
 * up to d siblings, so a plan proves at its tree's depth, not at the deepest one.
 */
export const eligibilityDepths = { min: 1, max: 20 } as const

/**
 * The key a tree of `size` members proves with: its LeanIMT depth, ceil(log2(size)),
 * and at least 1. Every member of one tree uses the same depth, so it tells nothing
 * about which member proved.
 */
export function eligibilityDepth(size: number): number {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`a member tree has at least one member, not ${size}`)
  let depth = 0
  while (2 ** depth < size) depth++
  return Math.max(eligibilityDepths.min, depth)
}

export function isEligibilityDepth(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= eligibilityDepths.min && (value as number) <= eligibilityDepths.max
}

/** The built circuit's file name: `consent`, or `eligibility-<depth>` (one per depth). */
export function circuitArtifactName(circuit: CircuitName, depth?: number): string {
  if (circuit !== 'eligibility') return circuit
  if (!isEligibilityDepth(depth)) throw new RangeError(`eligibility is built for depths ${eligibilityDepths.min}..${eligibilityDepths.max}, not ${depth}`)
  return `${circuit}-${depth}`
}

/** Vite serves public/ at the site root, so the app finds the files under /zk/. */
export function circuitArtifactUrls(artifact: string, base = '/zk/'): { wasm: string; zkey: string; vkey: string } {
  return { wasm: `${base}${artifact}.wasm`, zkey: `${base}${artifact}.zkey`, vkey: `${base}${artifact}.vkey.json` }
}

/** Upper bounds on artifact sizes: a larger download is refused rather than read into memory. */
export const maxArtifactBytes = { wasm: 8 * 1024 * 1024, zkey: 32 * 1024 * 1024 } as const
