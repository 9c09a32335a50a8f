// SPDX-License-Identifier: GPL-3.0-or-later
// What the prover worker does with one request; kept apart from the worker's global
// scope so it runs (and is tested) anywhere.
import { SalusError } from '../errors/salusError.ts'
import { checkArtifactDigest, fetchArtifactDigests } from './artifactManifest.ts'
import { circuitArtifactName, circuitArtifactUrls, isCircuitName, isEligibilityDepth, maxArtifactBytes } from './circuits.ts'
import { fetchArtifact } from './fetchArtifact.ts'
import type { ProverRequest, ProverResponse } from './proverMessages.ts'
import { proveWithArtifacts } from './proveWithArtifacts.ts'
import { ProofInputError } from './zkErrors.ts'

type Artifacts = { wasm: Uint8Array; zkey: Uint8Array }

export type ProverHandler = (request: ProverRequest) => Promise<void>

/**
 * `post` sends a response to the page; `fetch` is injectable for tests. Artifacts are
 * cached per built circuit (each eligibility depth apart), and with them the witness
 * calculator (proveWithArtifacts keys it on the cached wasm bytes).
 */
export function createProverHandler(post: (response: ProverResponse) => void, fetch = globalThis.fetch): ProverHandler {
  const cache = new Map<string, Promise<Artifacts>>()

  async function load(id: number, circuit: string, baseUrl: string): Promise<Artifacts> {
    const key = `${baseUrl}${circuit}`
    let artifacts = cache.get(key)
    if (!artifacts) {
      const urls = circuitArtifactUrls(circuit, baseUrl)
      artifacts = (async () => {
        const digests = await fetchArtifactDigests({ baseUrl, circuit, fetch })
        const loaded = { wasm: 0, zkey: 0 }
        const totals = { wasm: digests?.wasmBytes, zkey: digests?.zkeyBytes }
        const report = (part: 'wasm' | 'zkey') => (bytes: number, total: number | undefined) => {
          loaded[part] = bytes
          totals[part] ??= total
          const totalBytes = totals.wasm !== undefined && totals.zkey !== undefined ? totals.wasm + totals.zkey : undefined
          post({ type: 'progress', id, progress: { stage: 'loading artifacts', loadedBytes: loaded.wasm + loaded.zkey, totalBytes } })
        }
        const [wasm, zkey] = await Promise.all([
          fetchArtifact({ url: urls.wasm, maxBytes: maxArtifactBytes.wasm, onBytes: report('wasm'), fetch }),
          fetchArtifact({ url: urls.zkey, maxBytes: maxArtifactBytes.zkey, onBytes: report('zkey'), fetch }),
        ])
        await checkArtifactDigest(urls.wasm, wasm, digests?.wasm)
        await checkArtifactDigest(urls.zkey, zkey, digests?.zkey)
        return { wasm, zkey }
      })()
      cache.set(key, artifacts)
      artifacts.catch(() => cache.delete(key))
    }
    return artifacts
  }

  return async (request) => {
    const id = typeof request?.id === 'number' ? request.id : -1
    try {
      if (request?.type !== 'prove' || !isCircuitName(request.circuit) || typeof request.input !== 'object' || request.input === null) {
        throw new ProofInputError('The proof request was malformed.')
      }
      if (request.circuit === 'eligibility' ? !isEligibilityDepth(request.depth) : request.depth !== undefined) {
        throw new ProofInputError('The proof request was malformed.', { details: `no ${request.circuit} circuit of depth ${request.depth}` })
      }
      const { wasm, zkey } = await load(id, circuitArtifactName(request.circuit, request.depth), request.baseUrl)
      const result = await proveWithArtifacts({
        wasm,
        zkey,
        input: request.input,
        onProgress: (progress) => post({ type: 'progress', id, progress }),
      })
      post({ type: 'result', id, result })
    } catch (error) {
      const salus = error instanceof SalusError ? error : new SalusError('The proof could not be created.', { cause: error })
      post({ type: 'error', id, name: salus.name, shortMessage: salus.shortMessage, details: salus.details })
    }
  }
}
