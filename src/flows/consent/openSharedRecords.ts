import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Address } from 'viem'
import type { CID } from 'multiformats/cid'
import type { ResponderCredential } from '../../core/consent/responderPass.ts'
import type { ConsentPublicClient, ConsentWalletClient } from '../../chain/consent/consentClients.ts'
import { logAccess } from '../../chain/consent/logAccess.ts'
import { readGrant } from '../../chain/consent/readGrant.ts'
import { readGrantBundle } from '../../chain/consent/readGrantBundle.ts'
import type { BlockAccess } from '../../core/blocks.ts'
import { openKeyFragmentBundle } from '../../core/consent/keyFragmentBundle.ts'
import { describeResource } from '../../core/fhir/describeResource.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { Scope } from '../../core/scopes.ts'
import { listSharedRecords } from '../../core/share/listSharedRecords.ts'
import { maxBatchCapsules } from '../../core/consent/capsuleBatchRequest.ts'
import { decodeEnvelope } from '../../core/envelope/envelope.ts'
import { openRecord } from '../../core/envelope/openRecord.ts'
import { unwrapBatchThroughProxies, type BatchUnwrapItem } from '../../core/share/unwrapBatchThroughProxies.ts'
import type { SharedAccess } from '../../core/share/sharedAccess.ts'
import { NotSharedError, SharedAccessError } from '../../core/share/shareErrors.ts'
import * as umbral from '../../crypto/umbral.ts'
import { receivingSecretKey } from '../../crypto/umbral.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../p2p/proxyFragmentSource.ts'
import { fetchHead } from '../../p2p/requestHead.ts'
import { HeadRequestError } from '../../p2p/headProtocol.ts'
import { AccessEndedError, SharingUnavailableError } from './accessErrors.ts'
import { silentProgress, type FlowProgress } from './flowProgress.ts'

/** One record the grantee opened, described for display. */
export type SharedRecord = {
  cid: string
  scope: Scope
  title: string
  date?: string
  fields: { label: string; value: string }[]
  resource: FhirResource
  attachment?: { name: string; contentType: string; size: number; read(): AsyncIterable<Uint8Array> }
}

/** The steps the flow reports through `progress`, in order. */
export const openSharedRecordsSteps = [
  'Checking the grant on the chain',
  'Logging an access session on the chain',
  'Connecting to the patient or care nodes',
  'Listing and decrypting the shared records',
] as const

export type OpenSharedRecordsParameters = {
  publicClient: ConsentPublicClient
  /** Signs the access log as the grantee (the account the grant names). */
  walletClient: ConsentWalletClient
  /** Before the write: an injected wallet is switched to the configured chain. */
  ensureChain(): Promise<void>
  deployment: { consent: Address; fromBlock: bigint }
  /** The grantee's running node, or a function that waits for it (called once the grant is checked and logged). */
  node: SalusNode | (() => Promise<SalusNode>)
  keys: { preMasterSeed: Uint8Array }
  /** The grantee's account (the grant's bundle is looked up for it). */
  grantee: Address
  grantId: bigint
  /** Care nodes' multiaddrs, one per node: blocks and manifest heads are asked of them. */
  careNodes: readonly string[]
  /** Where the patient's browser said it was, when known: tried first, best effort. */
  patient?: { peerId: string; addrs: readonly string[] }
  /** The directory's care nodes: the bundle's proxies are found here by account. */
  directoryCareNodes(): Promise<readonly { account: Address; multiaddrs: readonly string[] }[]>
  /** Steps as in openSharedRecordsSteps. */
  progress?: FlowProgress
  /** How often to try again while the proxies catch up with the chain (default 6, waiting 1 s, 2 s, …). */
  catchUp?: { attempts: number; delayMs: number }
} & StreamingParameters

export type OpenSharedRecordsReturnType = {
  /** Newest first. */
  records: SharedRecord[]
  /** Listed records that could not be opened while others could (each with its reason). */
  failed: FailedSharedRecord[]
  /** The patient's address that answered, or undefined when blocks came from the care nodes only. */
  patientAddress: string | undefined
  /** Closes the proxy connections the records were opened through. */
  close(): void
}

const openConcurrency = 4

/**
 * The grantee's open: checks the grant on chain (revoked or expired throws
 * AccessEndedError), logs an access session (proxies answer only within one, and the
 * patient sees each), dials the patient's browser when it is online, reads the grant's
 * current key-fragment bundle and opens it, connects to its proxies, then lists the
 * granted scopes' records from the care nodes' manifest heads and decrypts them, trying
 * again while the proxies are still catching up with the chain. Records stream to
 * `onRecord` as they are ready, allergies, medications and conditions first
 * (openBundleRecords); `signal` cancels, and nothing is reported after it aborts.
 */
export async function openSharedRecords(p: OpenSharedRecordsParameters): Promise<OpenSharedRecordsReturnType> {
  const progress = p.progress ?? silentProgress
  const { publicClient, deployment, grantId } = p
  const { signal } = p
  progress.begin(0)
  const grant = await readGrant(publicClient, { consent: deployment.consent, grantId })
  if (grant.revoked) throw new AccessEndedError('revoked')
  if (grant.expiry * 1000 <= Date.now()) throw new AccessEndedError('expired')
  progress.finish(0)

  // Proxies answer only within SESSION_TTL of a logged session; the patient sees every one.
  signal?.throwIfAborted()
  progress.begin(1)
  await p.ensureChain()
  await logAccess(p.walletClient, { consent: deployment.consent, grantId, scopesMask: grant.scopesMask })
  progress.finish(1)

  signal?.throwIfAborted()
  progress.begin(2)
  const node = typeof p.node === 'function' ? await p.node() : p.node
  const patientAddress = await dialPatient(node, p.patient)
  signal?.throwIfAborted()
  // Blocks are asked of these peers first: the patient's browser when it answers, and the care nodes.
  const blocks = networkBlockAccess(node, { timeoutMs: 20_000, providers: [...(patientAddress ? [patientAddress] : []), ...p.careNodes] })
  // The grant's bundle now: the delivered one, or the one the patient reissued after rotating a scope.
  const { bundleCid } = await readGrantBundle(publicClient, { consent: deployment.consent, fromBlock: deployment.fromBlock, grantId, grantee: p.grantee })
  const { records, failed, close } = await openBundleRecords({
    node,
    blocks,
    bundleCid,
    receivingSecretKey: receivingSecretKey(p.keys.preMasterSeed),
    grantId,
    careNodes: p.careNodes,
    directoryCareNodes: p.directoryCareNodes,
    progress,
    steps: { connect: 2, list: 3 },
    ...(p.catchUp ? { catchUp: p.catchUp } : {}),
    ...(p.onRecord ? { onRecord: p.onRecord } : {}),
    ...(p.onFirstScreen ? { onFirstScreen: p.onFirstScreen } : {}),
    ...(p.onTiming ? { onTiming: p.onTiming } : {}),
    ...(signal ? { signal } : {}),
  })
  return { records, failed, patientAddress, close }
}

export type OpenBundleRecordsParameters = {
  node: SalusNode
  blocks: BlockAccess
  /** The grant's current key-fragment bundle (readGrantBundle). */
  bundleCid: CID
  /** The grantee's receiving key: opens the bundle and signs every request as the grantee. */
  receivingSecretKey: umbral.SecretKey
  grantId: bigint
  careNodes: readonly string[]
  directoryCareNodes(): Promise<readonly { account: Address; multiaddrs: readonly string[] }[]>
  /** A break-glass read of an emergency card: every request also carries the responder's pass. */
  responder?: ResponderCredential
  progress: FlowProgress
  /** The caller's step numbers for connecting to the proxies and for listing. */
  steps: { connect: number; list: number }
  catchUp?: { attempts: number; delayMs: number }
} & StreamingParameters

/** How the grantee's open streams its records. */
export type StreamingParameters = {
  /**
   * Called once per record as soon as it is decrypted: allergies, medications and
   * conditions first (the first screen), then the rest. Never called after `signal` aborts.
   */
  onRecord?(record: SharedRecord): void
  /** Called once the first screen's records (allergies, medications, conditions) are all in (or failed). */
  onFirstScreen?(): void
  /**
   * Where the time went, in ms: 'list' (heads and manifests), 'first-screen', 'envelopes' (every
   * envelope in, per stage), 'proxies' (the slowest proxy's batch answer, per stage), 'verify'
   * (checking the proxies' fragments), 'unwrap' (data keys), 'decrypt' (describing records), 'total'.
   */
  onTiming?(phase: OpenTimingPhase, ms: number): void
  /** Cancels the open: nothing is reported after it aborts, and the flow rejects with its reason. */
  signal?: AbortSignal
}

export type OpenTimingPhase = 'list' | 'first-screen' | 'envelopes' | 'proxies' | 'verify' | 'unwrap' | 'decrypt' | 'total'

/** A listed record that could not be opened, and why (the others are shown). */
export type FailedSharedRecord = { cid: string; scope?: Scope; error: unknown }

/** The scopes a doctor reads first: allergies, current medications, active problems. */
export const firstScreenScopes: readonly Scope[] = ['allergies', 'medications', 'conditions']

/**
 * Opens a grant's bundle with the grantee's receiving key, connects to its proxies, then
 * lists the granted scopes' records from the care nodes' manifest heads and opens them
 * in two stages, the first screen's scopes (allergies, medications, conditions) first:
 * each stage fetches its envelopes at once, asks every proxy for all its capsules in one
 * batch, and hands each record to `onRecord` as soon as it is decrypted. Tries again
 * while the proxies are still catching up with the chain. `records`: newest first;
 * `failed`: records that could not be opened while others could.
 */
export async function openBundleRecords(p: OpenBundleRecordsParameters): Promise<{ records: SharedRecord[]; failed: FailedSharedRecord[]; close(): void }> {
  const { node, blocks, grantId, progress, steps, responder, signal } = p
  const secretKey = p.receivingSecretKey
  const bundle = openKeyFragmentBundle(await blocks.get(p.bundleCid), secretKey)
  signal?.throwIfAborted()
  const signer = new umbral.Signer(secretKey)
  const directory = await p.directoryCareNodes()
  const sources = bundle.proxies.flatMap((proxy) => {
    const entry = directory.find((care) => care.account.toLowerCase() === proxy.address.toLowerCase())
    const address = entry?.multiaddrs.find((a) => a.includes('/p2p/'))
    return address ? [proxyFragmentSource(node, { proxy: address, grantId, signer, ...(responder ? { responder } : {}) })] : []
  })
  const close = () => {
    for (const source of sources) void source.close().catch(() => {})
  }
  try {
    if (sources.length < bundle.threshold) {
      throw new SharingUnavailableError('The care nodes named in this consent are not in the directory any more, so the records cannot be unlocked. Ask the patient to share again.')
    }
    const access: SharedAccess = { bundle, receivingSecretKey: secretKey, sources }
    progress.finish(steps.connect)

    progress.begin(steps.list)
    const { attempts = 6, delayMs = 1_000 } = p.catchUp ?? {}
    // Records already handed to onRecord are not opened (nor reported) again on a retry.
    const opened = new Map<string, SharedRecord>()
    const failed = await withCatchUp(() => listAndOpen(p, access, signer, opened), attempts, delayMs, progress, steps.list)
    signal?.throwIfAborted()
    progress.finish(steps.list)
    return { records: [...opened.values()].sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '')), failed, close }
  } catch (error) {
    close()
    throw error
  }
}

type StageTiming = { envelopes: number; proxies: number; verify: number; unwrap: number; decrypt: number }

/** Envelopes fetched at once (each is one block; the body follows while its key is unwrapped). */
const envelopeConcurrency = 48

/** Every record of the granted scopes, from the newest manifest heads the care nodes keep, first screen first. */
async function listAndOpen(p: OpenBundleRecordsParameters, access: SharedAccess, signer: umbral.Signer, opened: Map<string, SharedRecord>): Promise<FailedSharedRecord[]> {
  const { grantId, node, blocks, progress, responder, signal } = p
  const step = p.steps.list
  const started = performance.now()
  // Care nodes serve heads only to a grantee of the scope: each read carries this grant, signed.
  const listings = await listSharedRecords(blocks, {
    access,
    fetchHeads: async (author, scope) => {
      const results = await Promise.allSettled(p.careNodes.map((peer) => fetchHead(node, { peer, author, scope, timeoutMs: 10_000, grantId, signer, ...(responder ? { responder } : {}) })))
      const heads = results.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []))
      // Every care node refused the read: right after a grant they may not have read it from
      // the chain yet. Say so (withCatchUp tries again) rather than list nothing.
      const refused = results.filter((result) => result.status === 'rejected' && result.reason instanceof HeadRequestError && result.reason.code === 'unauthorized')
      if (heads.length === 0 && refused.length === results.length && refused.length > 0) throw (refused[0] as PromiseRejectedResult).reason
      return heads
    },
  })
  signal?.throwIfAborted()
  const failedListing = listings.find((listing) => 'error' in listing && listing.error)
  if (failedListing && 'error' in failedListing) throw failedListing.error
  p.onTiming?.('list', performance.now() - started)
  const listed = listings.flatMap((listing) => listing.entries.map((cid) => ({ cid, scope: listing.scope })))
  const wanted = listed.filter((entry) => !opened.has(entry.cid.toString()))
  const first = wanted.filter((entry) => firstScreenScopes.includes(entry.scope))
  const rest = wanted.filter((entry) => !firstScreenScopes.includes(entry.scope))
  let done = opened.size
  progress.detail(step, `${done} of ${listed.length}`)
  const report = (record: SharedRecord) => {
    if (signal?.aborted || opened.has(record.cid)) return
    opened.set(record.cid, record)
    progress.detail(step, `${++done} of ${listed.length}`)
    p.onRecord?.(record)
  }
  const timing: StageTiming = { envelopes: 0, proxies: 0, verify: 0, unwrap: 0, decrypt: 0 }
  // The rest's envelopes travel while the first screen's keys are unwrapped and its records decrypted.
  const firstStage = openStage(blocks, access, first.map((entry) => entry.cid), report, timing, signal)
  const firstFetched = firstStage.fetched
  const restStage = firstFetched.then(() => openStage(blocks, access, rest.map((entry) => entry.cid), report, timing, signal))
  restStage.catch(() => {})
  const firstFailed = await untilAborted(firstStage.done, signal)
  p.onTiming?.('first-screen', performance.now() - started)
  p.onFirstScreen?.()
  const restFailed = await untilAborted(restStage.then((stage) => stage.done), signal)
  for (const [phase, ms] of Object.entries(timing)) p.onTiming?.(phase as OpenTimingPhase, ms)
  p.onTiming?.('total', performance.now() - started)
  const failed = [...firstFailed, ...restFailed]
  // Nothing opened: the proxies' reason decides (revoked, catching up with the chain, …).
  if (failed.length > 0 && opened.size === 0) throw failed[0]!.error
  return failed
}

/**
 * One stage: every envelope fetched (at most envelopeConcurrency at once), every
 * record's capsule sent to the proxies in one batch once all envelopes are in, then each
 * record decrypted and reported as its key arrives. `fetched` settles when the envelopes are in.
 */
function openStage(
  blocks: BlockAccess,
  access: SharedAccess,
  cids: CID[],
  report: (record: SharedRecord) => void,
  timing: StageTiming,
  signal: AbortSignal | undefined,
): { fetched: Promise<void>; done: Promise<FailedSharedRecord[]> } {
  if (cids.length === 0) return { fetched: Promise.resolve(), done: Promise.resolve([]) }
  const started = performance.now()
  const batch = keyBatch(access, signal)
  let waiting = cids.length
  let fetchedResolve: () => void = () => {}
  const fetched = new Promise<void>((resolve) => (fetchedResolve = resolve))
  // The batch goes out when every envelope is in (or failed): one request per proxy.
  const arrived = () => {
    if (--waiting > 0) return
    timing.envelopes += performance.now() - started
    fetchedResolve()
    batch.flush(timing)
  }
  const failed: FailedSharedRecord[] = []
  const envelopes = limiter(envelopeConcurrency)
  const open = async (cid: CID): Promise<void> => {
    let counted = false
    try {
      const envelopeBytes = await envelopes(() => blocks.get(cid))
      signal?.throwIfAborted()
      const { header } = decodeEnvelope(envelopeBytes)
      const fetchedBlocks: BlockAccess = {
        put: (bytes, codec) => blocks.put(bytes, codec),
        get: (want) => (want.equals(cid) ? Promise.resolve(envelopeBytes) : blocks.get(want)),
      }
      const record = await openRecord(fetchedBlocks, {
        cid,
        expectedScope: header.scope,
        unwrapKey: (capsule, wrappedKey) => {
          const key = batch.unwrap({ scope: header.scope, epoch: header.epoch, capsule, wrappedKey })
          counted = true
          arrived()
          return key
        },
      })
      const decryptStart = performance.now()
      const view = describeResource(record.resource)
      const shared: SharedRecord = { cid: cid.toString(), scope: record.envelope.header.scope, title: view.title, fields: view.fields, resource: record.resource }
      if (view.date) shared.date = view.date
      if (record.attachment) shared.attachment = { ...record.attachment, name: view.title }
      timing.decrypt += performance.now() - decryptStart
      report(shared)
    } catch (error) {
      if (!counted) arrived()
      if (signal?.aborted) return
      failed.push({ cid: cid.toString(), error })
    }
  }
  const done = Promise.all(cids.map(open)).then(() => {
    signal?.throwIfAborted()
    return failed
  })
  done.catch(() => {})
  return { fetched, done }
}

/**
 * Collects unwrap calls of one stage and sends them through the proxies as one batch
 * per proxy (unwrapBatchThroughProxies) when flushed; each call resolves with its data key.
 */
function keyBatch(access: SharedAccess, signal: AbortSignal | undefined) {
  const queued: { item: BatchUnwrapItem; resolve(key: Uint8Array): void; reject(error: unknown): void }[] = []
  return {
    unwrap(item: BatchUnwrapItem): Promise<Uint8Array> {
      return new Promise<Uint8Array>((resolve, reject) => queued.push({ item, resolve, reject }))
    },
    flush(timing: StageTiming): void {
      const taken = queued.splice(0)
      if (taken.length === 0) return
      unwrapBatchThroughProxies({
        timing,
        items: taken.map((entry) => entry.item),
        threshold: access.bundle.threshold,
        verifyingKey: access.bundle.grantKey,
        delegatingKey: (scope, epoch) => delegatingKeyOf(access, scope, epoch),
        receivingSecretKey: access.receivingSecretKey,
        sources: access.sources,
        maxBatch: maxBatchCapsules,
        ...(signal ? { signal } : {}),
        onItem: (index, result) => {
          if (result instanceof Uint8Array) taken[index]!.resolve(result)
          else taken[index]!.reject(result)
        },
      }).catch((error: unknown) => taken.forEach((entry) => entry.reject(error)))
    },
  }
}

/** The bundle's delegating key for a scope's epoch; NotSharedError when the grant does not cover it. */
function delegatingKeyOf(access: SharedAccess, scope: Scope, epoch: number): Uint8Array {
  const granted = access.bundle.scopes.find((s) => s.scope === scope)
  if (!granted) throw new NotSharedError(`the grant does not cover ${scope}`)
  const entry = granted.epochs.find((e) => e.epoch === epoch)
  if (!entry) throw new NotSharedError(`${scope} epoch ${epoch} is not among the granted epochs ${granted.epochs.map((e) => e.epoch).join(', ')}`)
  return entry.delegatingKey
}

/** `work`, or the signal's reason as soon as it aborts (a proxy's answer may take its timeout to come). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work
  signal.throwIfAborted()
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason)
    signal.addEventListener('abort', abort, { once: true })
    work.then(
      (value) => {
        signal.removeEventListener('abort', abort)
        if (signal.aborted) reject(signal.reason)
        else resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort)
        reject(signal.aborted ? signal.reason : error)
      },
    )
  })
}

/** At most `limit` of the calls run at once, in call order. */
function limiter(limit: number): <T>(run: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: (() => void)[] = []
  return async (run) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await run()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

/**
 * Proxies learn of grants from chain events, a few seconds behind the chain: right
 * after the grant they may not have its key fragments yet. Try again a few times.
 */
async function withCatchUp<T>(run: () => Promise<T>, attempts: number, delayMs: number, progress: FlowProgress, step: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const catchingUp =
        (error instanceof SharedAccessError && error.failures.length > 0 && error.failures.every((f) => f.code === 'no-fragment' || f.code === 'unknown-grant')) ||
        (error instanceof HeadRequestError && error.code === 'unauthorized')
      if (!catchingUp || attempt >= attempts) throw error
      progress.detail(step, 'The care nodes are still catching up with the chain; trying again…')
      await new Promise((resolve) => setTimeout(resolve, delayMs * attempt))
    }
  }
}

/**
 * Best effort: a direct (WebRTC) connection to the patient's browser, through its relay
 * addresses. An old connection may outlive a closed tab, so it must answer a ping.
 */
async function dialPatient(node: SalusNode, patient: OpenSharedRecordsParameters['patient']): Promise<string | undefined> {
  if (!patient) return undefined
  const addresses = patient.addrs
  const attempts = [...addresses.map((address) => address.replace('/p2p-circuit/', '/p2p-circuit/webrtc/')), ...addresses]
  for (const address of attempts) {
    try {
      const target = multiaddr(address)
      await node.libp2p.dial(target, { signal: AbortSignal.timeout(8_000) })
      await node.libp2p.services.ping.ping(target, { signal: AbortSignal.timeout(3_000) })
      return address
    } catch {
      // Offline or unreachable: care nodes hold the ciphertext. Drop a stale connection.
      await node.libp2p.hangUp(peerIdFromString(patient.peerId)).catch(() => {})
    }
  }
  return undefined
}
