// Page code of bench/share.bench.ts: a real module that Vite builds and serves to the two
// Chromium pages (patient and doctor), importing the app's own modules, so the figures
// measure the code the app runs. Each page keeps its side's state in this module.
import * as umbral from '@nucypher/umbral-pre'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import type { Address, Hex } from 'viem'
import { IDBBlockstore } from 'blockstore-idb'
import { blockAccess, type BlockAccess } from '../../src/core/blocks.ts'
import { openKeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { sealRecord } from '../../src/core/envelope/sealRecord.ts'
import { deriveKeys } from '../../src/core/keys/deriveKeys.ts'
import { openSharedRecord } from '../../src/core/share/openSharedRecord.ts'
import type { SharedAccess } from '../../src/core/share/sharedAccess.ts'
import { loadUmbral, receivingSecretKey, recordSigner } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import { buildGrantBundle } from '../../src/flows/consent/buildGrantBundle.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../src/p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../src/p2p/proxyFragmentSource.ts'
import { requestPin } from '../../src/p2p/requestPin.ts'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { grantParamsHash, scopesMask } from '../../src/zk/grantHash.ts'
import { createProverWorker, proveInWorker } from '../../src/zk/proveInWorker.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'

/** consent proofs in the prover Web Worker: one warm-up, then `runs` timed (ms each). */
export async function consentProofTimes({ runs }: { runs: number }): Promise<number[]> {
  const worker = createProverWorker()
  const input = (i: number) =>
    toCircuitInput(
      consentInputs({ chainId: 31337, consent: '0xc0115e1700000000000000000000000000000001', grantIndex: 0, identitySecret: 123456789n + BigInt(i), grantee: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC', paramsHash: 987654321n + BigInt(i) }),
    )
  try {
    await proveInWorker(worker, { circuit: 'consent', input: input(0) })
    const times: number[] = []
    for (let i = 1; i <= runs; i++) {
      const started = performance.now()
      await proveInWorker(worker, { circuit: 'consent', input: input(i) })
      times.push(performance.now() - started)
    }
    return times
  } finally {
    worker.terminate()
  }
}

export type PatientArguments = {
  signature: Hex
  account: Address
  relays: string[]
  /** 10 KB records to seal. */
  small: number
  /** From this index on, records are pinned on the care nodes too; before it they are only in the patient's browser. */
  pinFrom: number
  bigMiB: number
  chainId: number
  consent: Address
  doctor: Address
  doctorKey: Hex
  proxies: { account: Address; umbralPublicKey: Hex }[]
  careNodes: string[]
}

export type PreparedPatient = {
  records: string[]
  big: string
  bundleCid: string
  /** The patient's relayed addresses, for the doctor to dial. */
  addrs: string[]
  grant: { scopesMask: number; expiry: number; proxiesHash: string; threshold: number }
  pseudonym: string
  proof: string[]
}

let patientNode: SalusNode | undefined

/** The patient seals the records (and one of `bigMiB`), builds a 2-of-3 bundle bound to the grant, pins it, and proves. */
export async function preparePatient(a: PatientArguments): Promise<PreparedPatient> {
  await loadUmbral()
  const keys = deriveKeys(a.signature)
  // As in the app: the patient's blocks live in IndexedDB, and its node serves them from there.
  const store = new IDBBlockstore(`salus-bench:${a.account.toLowerCase()}:blocks`)
  await store.open()
  const blocks = blockAccess({ blockstore: store })
  const node = await createBrowserNode({ account: a.account, peerKeySeed: keys.peerKeySeed, relays: a.relays, blockstore: store })
  patientNode = node
  const author = recordSigner(keys.preMasterSeed)
  const scopeKey = scopeSecretKey(keys.preMasterSeed, 'notes', 0).publicKey()
  const records: string[] = []
  for (let i = 0; i < a.small; i++) {
    const resource = { resourceType: 'DocumentReference', status: 'current', description: `Bench note ${i}`, content: [{ attachment: { contentType: 'text/plain', data: btoa('x'.repeat(7400)) } }] }
    records.push((await sealRecord(blocks, { resource, scope: 'notes', epoch: 0, scopePublicKey: scopeKey, author })).cid.toString())
  }
  const chunk = new Uint8Array(1024 * 1024)
  for (let i = 0; i < chunk.length; i += 4) new DataView(chunk.buffer).setUint32(i, (i * 2654435761) >>> 0)
  const source = (function* () {
    for (let i = 0; i < a.bigMiB; i++) yield chunk
  })()
  const bigResource = { resourceType: 'DocumentReference', status: 'current', description: 'Bench scan', content: [{ attachment: { contentType: 'application/octet-stream', url: 'salus:attachment' } }] }
  const big = (
    await sealRecord(blocks, { resource: bigResource, attachment: { contentType: 'application/octet-stream', size: a.bigMiB * 1024 * 1024, source }, scope: 'notes', epoch: 0, scopePublicKey: scopeKey, author })
  ).cid.toString()
  const deployment = { chainId: a.chainId, consent: a.consent }
  const expiry = Math.floor(Date.now() / 1000) + 86_400
  const built = await buildGrantBundle({
    preMasterSeed: keys.preMasterSeed,
    identitySecret: keys.identitySecret,
    blocks,
    deployment,
    grantee: { account: a.doctor, umbralPublicKey: a.doctorKey },
    grantIndex: 0,
    scopes: ['notes'],
    epochsOf: () => [0],
    expiry,
    proxies: a.proxies,
    threshold: 2,
  })
  // Proxies fetch the bundle themselves; pin it so they find it at once. The records after
  // from `pinFrom` on are pinned too: the doctor opens them from the care nodes alone.
  const pinned = [built.bundleCid, ...records.slice(a.pinFrom).map((cid) => CID.parse(cid))]
  for (const careNode of a.careNodes) await requestPin(node, { careNode, cids: pinned, identitySeed: keys.preMasterSeed })
  const grant = { grantee: a.doctor, scopesMask: scopesMask(['notes']), expiry, proxiesHash: built.proxiesHash, threshold: 2, bundleCid: built.bundleCid }
  const input = toCircuitInput(consentInputs({ ...deployment, grantIndex: 0, identitySecret: keys.identitySecret, grantee: a.doctor, paramsHash: await grantParamsHash({ ...grant, ...deployment }) }))
  const worker = createProverWorker()
  const result = await proveInWorker(worker, { circuit: 'consent', input }).finally(() => worker.terminate())
  // The doctor dials these; a relay reservation can take a moment on a busy machine.
  let addrs: string[] = []
  for (let i = 0; i < 60 && addrs.length === 0; i++) {
    addrs = node.libp2p.getMultiaddrs().map(String).filter((m) => m.includes('/p2p-circuit') && !m.includes('/webrtc'))
    if (addrs.length === 0) await new Promise((resolve) => setTimeout(resolve, 500))
  }
  if (addrs.length === 0) throw new Error('the patient got no relay reservation')
  return {
    records,
    big,
    bundleCid: built.bundleCid.toString(),
    addrs,
    grant: { scopesMask: grant.scopesMask, expiry, proxiesHash: `0x${built.proxiesHash.toString(16)}`, threshold: 2 },
    pseudonym: result.publicSignals[0]!,
    proof: toSolidityProof(result.proof).packed.map((n) => n.toString()),
  }
}

export type DoctorArguments = {
  signature: Hex
  account: Address
  relays: string[]
  patientAddrs: string[]
  bundleCid: string
  grantId: string
  proxies: string[]
  first: string
  careNodes: string[]
}

let doctor: { node: SalusNode; blocks: BlockAccess; access: SharedAccess; careNodes: string[]; patient: string } | undefined

/** The doctor's node, a WebRTC connection to the patient, the bundle, and 2-of-3 proxy sources; opens a first record. */
export async function prepareDoctor(a: DoctorArguments): Promise<void> {
  await loadUmbral()
  const keys = deriveKeys(a.signature)
  // As in the app: fetched blocks are stored in the doctor's IndexedDB.
  const node = await createBrowserNode({ account: a.account, peerKeySeed: keys.peerKeySeed, relays: a.relays })
  const webrtc = a.patientAddrs.map((m) => m.replace('/p2p-circuit', '/p2p-circuit/webrtc'))
  let direct = ''
  for (let round = 0; round < 3 && !direct; round++) {
    for (const address of webrtc) {
      try {
        await node.libp2p.dial(multiaddr(address), { signal: AbortSignal.timeout(15_000) })
        direct = address
        break
      } catch (error) {
        console.warn('dial', address, error)
      }
    }
  }
  if (!direct) throw new Error('no WebRTC connection to the patient')
  // As the app does: the patient (over WebRTC) and the care nodes are asked first.
  const blocks = networkBlockAccess(node, { timeoutMs: 60_000, providers: [direct, ...a.careNodes] })
  const secretKey = receivingSecretKey(keys.preMasterSeed)
  const bundle = openKeyFragmentBundle(await blocks.get(CID.parse(a.bundleCid)), secretKey)
  const signer = new umbral.Signer(secretKey)
  const sources = a.proxies.map((proxy) => proxyFragmentSource(node, { proxy, grantId: BigInt(a.grantId), signer }))
  doctor = { node, blocks, access: { bundle, receivingSecretKey: secretKey, sources }, careNodes: a.careNodes, patient: direct }
  // Proxies follow the chain's events, a moment behind: open a first record until they know the grant.
  for (let attempt = 1; ; attempt++) {
    try {
      await openSharedRecord(blocks, { cid: CID.parse(a.first), access: doctor.access })
      break
    } catch (error) {
      if (attempt >= 20) throw error
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
}

function doctorSide() {
  if (!doctor) throw new Error('prepareDoctor first')
  return doctor
}

/**
 * Opens each record once (its blocks always cross the network); the first 2 warm the connections.
 * `from: 'care-nodes'` is the patient gone offline: the doctor hangs up on the patient and asks the care nodes.
 */
export async function openRecords({ records, from = 'patient' }: { records: string[]; from?: 'patient' | 'care-nodes' }): Promise<{ times: number[]; fetches: number[]; proxies: number[] }> {
  const side = doctorSide()
  const { access } = side
  let blocks = side.blocks
  if (from === 'care-nodes') {
    await side.node.libp2p.hangUp(peerIdFromString(multiaddr(side.patient).getComponents().findLast((c) => c.name === 'p2p')!.value!)).catch(() => {})
    blocks = networkBlockAccess(side.node, { timeoutMs: 60_000, providers: side.careNodes })
  }
  // Where the time goes: block fetches (sequential) and the proxies' round trip (2 asked at once).
  let fetchMs = 0
  let proxyStart = 0
  let proxyEnd = 0
  const timedBlocks: BlockAccess = {
    ...blocks,
    get: async (cid) => {
      const started = performance.now()
      try {
        return await blocks.get(cid)
      } finally {
        fetchMs += performance.now() - started
      }
    },
  }
  const sources = access.sources.map((source) => ({
    ...source,
    reencrypt: async (...args: Parameters<typeof source.reencrypt>) => {
      const started = performance.now()
      proxyStart = proxyStart || started
      try {
        return await source.reencrypt(...args)
      } finally {
        proxyEnd = Math.max(proxyEnd, performance.now())
      }
    },
  }))
  const times: number[] = []
  const fetches: number[] = []
  const proxies: number[] = []
  for (const [i, cid] of records.entries()) {
    fetchMs = 0
    proxyStart = 0
    proxyEnd = 0
    const started = performance.now()
    const opened = await openSharedRecord(timedBlocks, { cid: CID.parse(cid), access: { ...access, sources } })
    if (opened.resource.resourceType !== 'DocumentReference') throw new Error('wrong record')
    if (i >= 2) {
      times.push(performance.now() - started)
      fetches.push(fetchMs)
      proxies.push(proxyEnd - proxyStart)
    }
  }
  return { times, fetches, proxies }
}

/**
 * Opens `records` as the app opens a history (openSharedRecords: 4 at a time), from the
 * patient or, with the patient hung up, from the care nodes: total ms.
 */
export async function openMany({ records, from, concurrency = 4 }: { records: string[]; from: 'patient' | 'care-nodes'; concurrency?: number }): Promise<number> {
  const side = doctorSide()
  let blocks = side.blocks
  if (from === 'care-nodes') {
    await side.node.libp2p.hangUp(peerIdFromString(multiaddr(side.patient).getComponents().findLast((c) => c.name === 'p2p')!.value!)).catch(() => {})
    blocks = networkBlockAccess(side.node, { timeoutMs: 60_000, providers: side.careNodes })
  }
  const queue = [...records]
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let cid = queue.shift(); cid !== undefined; cid = queue.shift()) {
        const opened = await openSharedRecord(blocks, { cid: CID.parse(cid), access: side.access })
        if (opened.resource.resourceType !== 'DocumentReference') throw new Error('wrong record')
      }
    }),
  )
  return performance.now() - started
}

/** Opens the big record and reads its attachment to the end: seconds. */
export async function readBig({ big, bytes }: { big: string; bytes: number }): Promise<number> {
  const { blocks, access } = doctorSide()
  const started = performance.now()
  const opened = await openSharedRecord(blocks, { cid: CID.parse(big), access })
  if (!opened.attachment) throw new Error('the record has no attachment')
  let read = 0
  for await (const chunk of opened.attachment.read()) read += chunk.byteLength
  if (read !== bytes) throw new Error(`read ${read} bytes`)
  return (performance.now() - started) / 1000
}

// The raw RTCDataChannel baseline between the same two pages.
let raw: { pc: RTCPeerConnection; channel?: RTCDataChannel; done?: Promise<number> } | undefined

const gathered = (pc: RTCPeerConnection) =>
  new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve()
    else pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve())
  })

/** Sender: an offer with one data channel (JSON of the local description). */
export async function rawOffer(): Promise<string> {
  const pc = new RTCPeerConnection()
  const channel = pc.createDataChannel('raw', { ordered: true })
  raw = { pc, channel }
  await pc.setLocalDescription(await pc.createOffer())
  await gathered(pc)
  return JSON.stringify(pc.localDescription)
}

/** Receiver: answers, and counts `bytes` arriving (its `rawReceived` resolves with the time). */
export async function rawAnswer({ offer, bytes }: { offer: string; bytes: number }): Promise<string> {
  const pc = new RTCPeerConnection()
  const done = new Promise<number>((resolve) => {
    pc.addEventListener('datachannel', ({ channel }) => {
      let received = 0
      channel.binaryType = 'arraybuffer'
      channel.onmessage = (event: MessageEvent<ArrayBuffer>) => {
        received += event.data.byteLength
        if (received >= bytes) resolve(Date.now())
      }
    })
  })
  raw = { pc, done }
  await pc.setRemoteDescription(JSON.parse(offer) as RTCSessionDescriptionInit)
  await pc.setLocalDescription(await pc.createAnswer())
  await gathered(pc)
  return JSON.stringify(pc.localDescription)
}

export function rawReceived(): Promise<number> {
  if (!raw?.done) throw new Error('rawAnswer first')
  return raw.done
}

/** Sender: sends `bytes` in 64 KiB messages, keeping at most 8 MiB buffered; returns when it started. */
export async function rawSend({ answer, bytes }: { answer: string; bytes: number }): Promise<number> {
  const { pc, channel } = raw!
  if (!channel) throw new Error('rawOffer first')
  await pc.setRemoteDescription(JSON.parse(answer) as RTCSessionDescriptionInit)
  if (channel.readyState !== 'open') await new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }))
  const chunk = new Uint8Array(64 * 1024)
  channel.bufferedAmountLowThreshold = 1024 * 1024
  const started = Date.now()
  for (let sent = 0; sent < bytes; sent += chunk.byteLength) {
    if (channel.bufferedAmount > 8 * 1024 * 1024) await new Promise((resolve) => channel.addEventListener('bufferedamountlow', resolve, { once: true }))
    channel.send(chunk)
  }
  return started
}

export function rawClose(): void {
  raw?.pc.close()
  raw = undefined
}

// One request-response round trip over an already-open RTCDataChannel between the same two pages.
let rtt: { pc: RTCPeerConnection; channel?: RTCDataChannel } | undefined

/** Sender of the round trips: an offer with one data channel. */
export async function rttOffer(): Promise<string> {
  const pc = new RTCPeerConnection()
  const channel = pc.createDataChannel('rtt', { ordered: true })
  channel.binaryType = 'arraybuffer'
  rtt = { pc, channel }
  await pc.setLocalDescription(await pc.createOffer())
  await gathered(pc)
  return JSON.stringify(pc.localDescription)
}

/** Echoes every message back (the request's answer), as a peer answering a want would. */
export async function rttAnswer({ offer }: { offer: string }): Promise<string> {
  const pc = new RTCPeerConnection()
  pc.addEventListener('datachannel', ({ channel }) => {
    channel.binaryType = 'arraybuffer'
    channel.onmessage = (event: MessageEvent<ArrayBuffer>) => channel.send(event.data)
  })
  rtt = { pc }
  await pc.setRemoteDescription(JSON.parse(offer) as RTCSessionDescriptionInit)
  await pc.setLocalDescription(await pc.createAnswer())
  await gathered(pc)
  return JSON.stringify(pc.localDescription)
}

/** Once the channel is open: 10 warm-up round trips, then `runs` timed ones of a 64-byte request (ms each). */
export async function rttMeasure({ answer, runs }: { answer: string; runs: number }): Promise<number[]> {
  const { pc, channel } = rtt!
  if (!channel) throw new Error('rttOffer first')
  await pc.setRemoteDescription(JSON.parse(answer) as RTCSessionDescriptionInit)
  if (channel.readyState !== 'open') await new Promise((resolve) => channel.addEventListener('open', resolve, { once: true }))
  const request = new Uint8Array(64)
  const once = () =>
    new Promise<number>((resolve) => {
      const started = performance.now()
      channel.addEventListener('message', () => resolve(performance.now() - started), { once: true })
      channel.send(request)
    })
  for (let i = 0; i < 10; i++) await once()
  const times: number[] = []
  for (let i = 0; i < runs; i++) times.push(await once())
  return times
}

export function rttClose(): void {
  rtt?.pc.close()
  rtt = undefined
}

/** Stops this page's libp2p node. */
export async function stopNodes(): Promise<void> {
  await Promise.allSettled([patientNode?.stop(), doctor?.node.stop()])
}
