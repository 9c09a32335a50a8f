// Page code of the history benchmarks in bench/share.bench.ts (share.open_history_500_ms,
// share.open_history_500_offline_ms, share.first_screen_ms): a patient page seals a
// history of 500 FHIR records and publishes its manifests to the care nodes as the app
// does; a doctor page opens it through the app's own flow (openSharedRecords: grant
// check, access log, dial, bundle, manifests, batches to the proxies, decryption).
import { peerIdFromString } from '@libp2p/peer-id'
import { createPublicClient, createWalletClient, http, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { salusChain } from '../../src/chain/salusChain.ts'
import { memoryBlockAccess, type BlockAccess } from '../../src/core/blocks.ts'
import { sealRecord } from '../../src/core/envelope/sealRecord.ts'
import type { FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { scopeOfResource } from '../../src/core/fhir/scopeOfResource.ts'
import { deriveKeys, type SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import type { Scope } from '../../src/core/scopes.ts'
import type { RecordSummary } from '../../src/core/vault/types.ts'
import { loadUmbral, recordSigner } from '../../src/crypto/umbral.ts'
import { buildGrantBundle } from '../../src/flows/consent/buildGrantBundle.ts'
import { openSharedRecords, type OpenTimingPhase } from '../../src/flows/consent/openSharedRecords.ts'
import { publishScopeManifests } from '../../src/flows/consent/publishScopeManifests.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { grantParamsHash, scopesMask } from '../../src/zk/grantHash.ts'
import { createProverWorker, proveInWorker } from '../../src/zk/proveInWorker.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'

export type HistoryPatientArguments = {
  signature: Hex
  account: Address
  relays: string[]
  resources: FhirResource[]
  chainId: number
  consent: Address
  doctor: Address
  doctorKey: Hex
  proxies: { account: Address; umbralPublicKey: Hex }[]
  careNodes: string[]
}

export type PreparedHistory = {
  bundleCid: string
  peerId: string
  addrs: string[]
  scopes: Scope[]
  byScope: Record<string, number>
  grant: { scopesMask: number; expiry: number; proxiesHash: string }
  pseudonym: string
  proof: string[]
}

let patient: { node: SalusNode; blocks: BlockAccess } | undefined

/** The patient seals every resource in its scope, builds a 2-of-3 bundle, publishes the manifests (pinned on the care nodes with the records) and proves the grant. */
export async function prepareHistoryPatient(a: HistoryPatientArguments): Promise<PreparedHistory> {
  await loadUmbral()
  const keys = deriveKeys(a.signature)
  const blocks = memoryBlockAccess()
  const node = await createBrowserNode({ account: a.account, peerKeySeed: keys.peerKeySeed, relays: a.relays, blockstore: blocks.blockstore })
  patient = { node, blocks }
  const author = recordSigner(keys.preMasterSeed)
  const scopeKeys = new Map<Scope, ReturnType<ReturnType<typeof scopeSecretKey>['publicKey']>>()
  const records: RecordSummary[] = []
  const byScope: Record<string, number> = {}
  for (const resource of a.resources) {
    const scope = scopeOfResource(resource)
    if (!scopeKeys.has(scope)) scopeKeys.set(scope, scopeSecretKey(keys.preMasterSeed, scope, 0).publicKey())
    const { cid } = await sealRecord(blocks, { resource: resource as never, scope, epoch: 0, scopePublicKey: scopeKeys.get(scope)!, author })
    records.push({ cid: cid.toString(), scope } as RecordSummary)
    byScope[scope] = (byScope[scope] ?? 0) + 1
  }
  const scopes = [...scopeKeys.keys()]
  const deployment = { chainId: a.chainId, consent: a.consent }
  const expiry = Math.floor(Date.now() / 1000) + 86_400
  const built = await buildGrantBundle({
    preMasterSeed: keys.preMasterSeed,
    identitySecret: keys.identitySecret,
    blocks,
    deployment,
    grantee: { account: a.doctor, umbralPublicKey: a.doctorKey },
    grantIndex: 0,
    scopes,
    epochsOf: () => [0],
    expiry,
    proxies: a.proxies,
    threshold: 2,
  })
  // As the app does: manifests per scope, records and bundle pinned on the care nodes (all three here, so the offline open finds every block).
  await publishScopeManifests({ node, blocks, preMasterSeed: keys.preMasterSeed, records, scopes, epochOf: () => 0, careNodes: a.careNodes, extraCids: [built.bundleCid], required: a.careNodes.length })
  const grant = { grantee: a.doctor, scopesMask: scopesMask(scopes), expiry, proxiesHash: built.proxiesHash, threshold: 2, bundleCid: built.bundleCid }
  const input = toCircuitInput(consentInputs({ ...deployment, grantIndex: 0, identitySecret: keys.identitySecret, grantee: a.doctor, paramsHash: await grantParamsHash({ ...grant, ...deployment }) }))
  const worker = createProverWorker()
  const result = await proveInWorker(worker, { circuit: 'consent', input }).finally(() => worker.terminate())
  let addrs: string[] = []
  for (let i = 0; i < 60 && addrs.length === 0; i++) {
    addrs = node.libp2p.getMultiaddrs().map(String).filter((m) => m.includes('/p2p-circuit') && !m.includes('/webrtc'))
    if (addrs.length === 0) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  if (addrs.length === 0) throw new Error('the patient got no relay reservation')
  return {
    bundleCid: built.bundleCid.toString(),
    peerId: node.libp2p.peerId.toString(),
    addrs,
    scopes,
    byScope,
    grant: { scopesMask: grant.scopesMask, expiry, proxiesHash: `0x${built.proxiesHash.toString(16)}` },
    pseudonym: result.publicSignals[0]!,
    proof: toSolidityProof(result.proof).packed.map((n) => n.toString()),
  }
}

/** The patient closes their tab: their node stops, care nodes serve. */
export async function stopHistoryPatient(): Promise<void> {
  await patient?.node.stop()
  patient = undefined
}

export type HistoryDoctorArguments = {
  signature: Hex
  privateKey: Hex
  account: Address
  relays: string[]
  rpcUrl: string
  chainId: number
  consent: Address
  fromBlock: string
  grantId: string
  careNodes: string[]
  directory: { account: Address; multiaddrs: string[] }[]
}

let doctor: { node: SalusNode; blocks: ReturnType<typeof memoryBlockAccess>; keys: SalusKeys; a: HistoryDoctorArguments } | undefined

/** The doctor's running node (as the app keeps one while signed in). */
export async function prepareHistoryDoctor(a: HistoryDoctorArguments): Promise<void> {
  await loadUmbral()
  const keys = deriveKeys(a.signature)
  const blocks = memoryBlockAccess()
  const node = await createBrowserNode({ account: a.account, peerKeySeed: keys.peerKeySeed, relays: a.relays, blockstore: blocks.blockstore })
  doctor = { node, blocks, keys, a }
}

export type HistoryRun = { totalMs: number; firstScreenMs: number; records: number; failed: number; online: boolean; timings: Partial<Record<OpenTimingPhase, number>> }

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))

/**
 * One open of the whole history through openSharedRecords, with nothing in the doctor's
 * blockstore (every block crosses the network): ms to the first screen's records handed
 * over and a frame drawn, and to every record.
 */
export async function openHistoryOnce({ patient: where, expected }: { patient?: { peerId: string; addrs: string[] }; expected: number }): Promise<HistoryRun> {
  if (!doctor) throw new Error('prepareHistoryDoctor first')
  const { node, blocks, keys, a } = doctor
  // A fresh blockstore each run: the doctor opens the patient for the first time.
  for await (const cid of blocks.blockstore.deleteMany((async function* () {
    for await (const pair of blocks.blockstore.getAll()) yield pair.cid
  })())) void cid
  const chain = salusChain({ chainId: a.chainId, chainName: 'Salus local', rpcUrl: a.rpcUrl })
  const publicClient = createPublicClient({ chain, transport: http(a.rpcUrl) })
  const walletClient = createWalletClient({ chain, account: privateKeyToAccount(a.privateKey), transport: http(a.rpcUrl) })
  const timings: Partial<Record<OpenTimingPhase, number>> = {}
  let firstScreenMs = 0
  let count = 0
  const started = performance.now()
  const opened = await openSharedRecords({
    publicClient,
    walletClient,
    ensureChain: async () => {},
    deployment: { consent: a.consent, fromBlock: BigInt(a.fromBlock) },
    node,
    keys,
    grantee: a.account,
    grantId: BigInt(a.grantId),
    careNodes: a.careNodes,
    ...(where ? { patient: where } : {}),
    directoryCareNodes: async () => a.directory,
    onRecord: () => void count++,
    onFirstScreen: () => {
      void nextFrame().then(() => (firstScreenMs = performance.now() - started))
    },
    onTiming: (phase, ms) => (timings[phase] = ms),
  })
  await nextFrame()
  const totalMs = performance.now() - started
  opened.close()
  if (opened.records.length !== expected) throw new Error(`opened ${opened.records.length} of ${expected} records (${opened.failed.length} failed: ${String(opened.failed[0]?.error)})`)
  // The patient's connection is dropped so the next run dials again (as a doctor opening later would).
  if (where) await node.libp2p.hangUp(peerIdFromString(where.peerId)).catch(() => {})
  return { totalMs, firstScreenMs, records: count, failed: opened.failed.length, online: opened.patientAddress !== undefined, timings }
}

export async function stopHistoryNodes(): Promise<void> {
  await Promise.allSettled([patient?.node.stop(), doctor?.node.stop()])
  patient = undefined
  doctor = undefined
}

