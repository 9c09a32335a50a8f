// SPDX-License-Identifier: GPL-3.0-or-later
// The prover worker's protocol end to end, in process: proveInWorker ⇄ (structured
// clone, as postMessage does) ⇄ createProverHandler, with real artifacts and snarkjs.
import { readFile } from 'node:fs/promises'
import type { VerificationKey } from 'snarkjs'
import { describe, expect, it } from 'vitest'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { credentialLeaf } from '../../src/zk/credentialLeaf.ts'
import { eligibilityInputs } from '../../src/zk/eligibilityInputs.ts'
import { identityCommitment } from '../../src/zk/identity.ts'
import { memberTree } from '../../src/zk/memberTree.ts'
import { createProverHandler } from '../../src/zk/proverHandler.ts'
import type { ProverRequest, ProverResponse } from '../../src/zk/proverMessages.ts'
import { proveInWorker, type ProverWorker } from '../../src/zk/proveInWorker.ts'
import { toCircuitInput, type ProofProgress } from '../../src/zk/proveWithArtifacts.ts'
import { verifyProof } from '../../src/zk/verifyProof.ts'

/** Serves public/zk/ like Vite does, with content-length, in small chunks so progress is visible. */
function servePublicZk(log: string[], corrupt?: string): typeof fetch {
  return (async (url: string | URL) => {
    const path = String(url)
    log.push(path)
    if (!path.startsWith('/zk/')) return new Response('not found', { status: 404 })
    let bytes: Uint8Array
    try {
      bytes = await readFile(`public${path}`)
    } catch {
      return new Response('not found', { status: 404 })
    }
    if (path === corrupt) bytes[bytes.length - 1]! ^= 1
    const chunk = 256 * 1024
    let offset = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.length) return controller.close()
        controller.enqueue(bytes.subarray(offset, offset + chunk))
        offset += chunk
      },
    })
    return new Response(body, { headers: { 'content-length': String(bytes.length) } })
  }) as typeof fetch
}

function loopbackWorker(fetchLog: string[], corrupt?: string): ProverWorker {
  const listeners = new Set<(event: MessageEvent<ProverResponse>) => void>()
  const handle = createProverHandler((response) => {
    const data = structuredClone(response)
    queueMicrotask(() => listeners.forEach((l) => l({ data } as MessageEvent<ProverResponse>)))
  }, servePublicZk(fetchLog, corrupt))
  return {
    postMessage: (message: ProverRequest) => void handle(structuredClone(message)),
    addEventListener: (_type, listener) => listeners.add(listener),
    removeEventListener: (_type, listener) => listeners.delete(listener),
  }
}

const input = toCircuitInput(consentInputs({ chainId: 31337, consent: '0xc0115e1700000000000000000000000000000001', grantIndex: 0, identitySecret: 99n, grantee: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', paramsHash: 5n }))

describe('prover worker protocol', () => {
  it('reports loading bytes, witness, proving, done, and returns a valid proof; artifacts are fetched once', async () => {
    const fetched: string[] = []
    const worker = loopbackWorker(fetched)
    const progress: ProofProgress[] = []
    const result = await proveInWorker(worker, { circuit: 'consent', input, onProgress: (p) => progress.push(p) })
    const vkey = JSON.parse(await readFile('public/zk/consent.vkey.json', 'utf8')) as VerificationKey
    expect(await verifyProof(vkey, result)).toBe(true)

    const stages = progress.map((p) => p.stage)
    expect(stages.filter((s) => s !== 'loading artifacts')).toEqual(['witness', 'proving', 'done'])
    expect(stages.indexOf('witness')).toBeGreaterThan(stages.lastIndexOf('loading artifacts'))
    const loading = progress.filter((p) => p.stage === 'loading artifacts')
    const size = (await readFile('public/zk/consent.wasm')).length + (await readFile('public/zk/consent.zkey')).length
    expect(loading.at(-1)).toEqual({ stage: 'loading artifacts', loadedBytes: size, totalBytes: size })
    expect(loading.length).toBeGreaterThan(2)

    await proveInWorker(worker, { circuit: 'consent', input })
    expect(fetched).toEqual(['/zk/manifest.json', '/zk/consent.wasm', '/zk/consent.zkey'])
  })

  it('rejects with named errors callers can branch on', async () => {
    const worker = loopbackWorker([])
    await expect(proveInWorker(worker, { circuit: 'consent', input: { identitySecret: '1' } })).rejects.toMatchObject({ name: 'ProofGenerationError' })
    await expect(proveInWorker(worker, { circuit: 'consent', input, baseUrl: '/missing/' })).rejects.toMatchObject({ name: 'CircuitArtifactError' })
    await expect(proveInWorker(worker, { circuit: 'nope' as 'consent', input })).rejects.toMatchObject({ name: 'ProofInputError' })
    // Eligibility needs one of the built depths; consent has none.
    for (const depth of [undefined, 0, 21, 2.5]) {
      await expect(proveInWorker(worker, { circuit: 'eligibility', ...(depth === undefined ? {} : { depth }), input })).rejects.toMatchObject({ name: 'ProofInputError' })
    }
    await expect(proveInWorker(worker, { circuit: 'consent', depth: 3, input })).rejects.toMatchObject({ name: 'ProofInputError' })
  })

  it('proves eligibility with each depth\'s own artifacts, each fetched once and kept', async () => {
    const fetched: string[] = []
    const worker = loopbackWorker(fetched)
    const secret = 0x5eedn
    const leaf = await credentialLeaf({ identityCommitment: await identityCommitment(secret), planId: 1n, validUntil: 2_000_000_000n })
    const tree = await memberTree([leaf, 2n, 3n])
    const at = (depth: number) =>
      toCircuitInput(eligibilityInputs({ identitySecret: secret, planId: 1n, validUntil: 2_000_000_000n, merkleProof: tree.generateProof(0), visitDate: 1_900_000_000n, period: 1n, visitsPerPeriod: 2, k: 0, bookingHash: 1n, domain: 2n, depth }))
    for (const depth of [2, 3, 2, 3]) {
      const result = await proveInWorker(worker, { circuit: 'eligibility', depth, input: at(depth) })
      const vkey = JSON.parse(await readFile(`public/zk/eligibility-${depth}.vkey.json`, 'utf8')) as VerificationKey
      expect(await verifyProof(vkey, result)).toBe(true)
    }
    expect(fetched.filter((f) => f !== '/zk/manifest.json')).toEqual(['/zk/eligibility-2.wasm', '/zk/eligibility-2.zkey', '/zk/eligibility-3.wasm', '/zk/eligibility-3.zkey'])
  })

  it('refuses an artifact whose digest differs from the manifest, then retries the download', async () => {
    const fetched: string[] = []
    const worker = loopbackWorker(fetched, '/zk/consent.zkey')
    await expect(proveInWorker(worker, { circuit: 'consent', input })).rejects.toMatchObject({
      name: 'CircuitArtifactError',
      details: expect.stringMatching(/consent\.zkey: sha256 does not match/),
    })
    await expect(proveInWorker(worker, { circuit: 'consent', input })).rejects.toMatchObject({ name: 'CircuitArtifactError' })
    expect(fetched.filter((f) => f === '/zk/consent.zkey')).toHaveLength(2)
  })
})
