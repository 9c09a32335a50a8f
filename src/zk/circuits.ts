// SPDX-License-Identifier: GPL-3.0-or-later
// Circuit names and where their artifacts are served (scripts/buildCircuits.ts writes public/zk/).
export const circuitNames = ['consent', 'eligibility'] as const
export type CircuitName = (typeof circuitNames)[number]

export function isCircuitName(value: unknown): value is CircuitName {
  return typeof value === 'string' && (circuitNames as readonly string[]).includes(value)
}

/** Vite serves public/ at the site root, so the app finds the files under /zk/. */
export function circuitArtifactUrls(circuit: CircuitName, base = '/zk/'): { wasm: string; zkey: string; vkey: string } {
  return { wasm: `${base}${circuit}.wasm`, zkey: `${base}${circuit}.zkey`, vkey: `${base}${circuit}.vkey.json` }
}

/** Upper bounds on artifact sizes: a larger download is refused rather than read into memory. */
export const maxArtifactBytes = { wasm: 8 * 1024 * 1024, zkey: 32 * 1024 * 1024 } as const
