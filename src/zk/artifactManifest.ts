// SPDX-License-Identifier: GPL-3.0-or-later
// public/zk/manifest.json (written by scripts/buildCircuits.ts): artifact sizes for
// download progress and sha256 digests to check what was downloaded.
import { fetchArtifact } from './fetchArtifact.ts'
import { CircuitArtifactError } from './zkErrors.ts'

export type ArtifactDigests = { wasm: string; zkey: string; wasmBytes: number; zkeyBytes: number }

const hex64 = /^[0-9a-f]{64}$/

/** The manifest's entry for one built circuit (`consent`, `eligibility-10`), or undefined when there is no usable manifest (progress then relies on content-length). */
export async function fetchArtifactDigests({ baseUrl, circuit, fetch = globalThis.fetch }: { baseUrl: string; circuit: string; fetch?: typeof globalThis.fetch }): Promise<ArtifactDigests | undefined> {
  try {
    const bytes = await fetchArtifact({ url: `${baseUrl}manifest.json`, maxBytes: 64 * 1024, fetch })
    const entry = (JSON.parse(new TextDecoder().decode(bytes)) as { circuits?: Record<string, Partial<ArtifactDigests>> }).circuits?.[circuit]
    const { wasm, zkey, wasmBytes, zkeyBytes } = entry ?? {}
    if (typeof wasm !== 'string' || !hex64.test(wasm) || typeof zkey !== 'string' || !hex64.test(zkey)) return undefined
    if (!Number.isSafeInteger(wasmBytes) || !Number.isSafeInteger(zkeyBytes)) return undefined
    return { wasm, zkey, wasmBytes: wasmBytes!, zkeyBytes: zkeyBytes! }
  } catch {
    return undefined
  }
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A truncated or stale cached download would otherwise fail later as a baffling proving error. */
export async function checkArtifactDigest(url: string, bytes: Uint8Array, expected: string | undefined): Promise<void> {
  if (expected !== undefined && (await sha256Hex(bytes)) !== expected) {
    throw new CircuitArtifactError({ details: `${url}: sha256 does not match public/zk/manifest.json` })
  }
}
