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
import { openSharedRecord } from '../../core/share/openSharedRecord.ts'
import type { SharedAccess } from '../../core/share/sharedAccess.ts'
import { SharedAccessError } from '../../core/share/shareErrors.ts'
import * as umbral from '../../crypto/umbral.ts'
import { receivingSecretKey } from '../../crypto/umbral.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../p2p/proxyFragmentSource.ts'
import { fetchHead } from '../../p2p/requestHead.ts'
import { HeadRequestError } from '../../p2p/headProtocol.ts'
import { AccessEndedError, SharingUnavailableError } from './accessErrors.ts'
import { silentProgress, type FlowProgress } from './flowProgress.ts'
import { mapLimited } from './mapLimited.ts'

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
}

export type OpenSharedRecordsReturnType = {
  /** Newest first. */
  records: SharedRecord[]
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
 * again while the proxies are still catching up with the chain.
 */
export async function openSharedRecords(p: OpenSharedRecordsParameters): Promise<OpenSharedRecordsReturnType> {
  const progress = p.progress ?? silentProgress
  const { publicClient, deployment, grantId } = p
  progress.begin(0)
  const grant = await readGrant(publicClient, { consent: deployment.consent, grantId })
  if (grant.revoked) throw new AccessEndedError('revoked')
  if (grant.expiry * 1000 <= Date.now()) throw new AccessEndedError('expired')
  progress.finish(0)

  // Proxies answer only within SESSION_TTL of a logged session; the patient sees every one.
  progress.begin(1)
  await p.ensureChain()
  await logAccess(p.walletClient, { consent: deployment.consent, grantId, scopesMask: grant.scopesMask })
  progress.finish(1)

  progress.begin(2)
  const node = typeof p.node === 'function' ? await p.node() : p.node
  const patientAddress = await dialPatient(node, p.patient)
  // Blocks are asked of these peers first: the patient's browser when it answers, and the care nodes.
  const blocks = networkBlockAccess(node, { timeoutMs: 20_000, providers: [...(patientAddress ? [patientAddress] : []), ...p.careNodes] })
  // The grant's bundle now: the delivered one, or the one the patient reissued after rotating a scope.
  const { bundleCid } = await readGrantBundle(publicClient, { consent: deployment.consent, fromBlock: deployment.fromBlock, grantId, grantee: p.grantee })
  const { records, close } = await openBundleRecords({
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
  })
  return { records, patientAddress, close }
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
}

/**
 * Opens a grant's bundle with the grantee's receiving key, connects to its proxies, then
 * lists the granted scopes' records from the care nodes' manifest heads and decrypts
 * them, trying again while the proxies are still catching up with the chain. Newest first.
 */
export async function openBundleRecords(p: OpenBundleRecordsParameters): Promise<{ records: SharedRecord[]; close(): void }> {
  const { node, blocks, grantId, progress, steps, responder } = p
  const secretKey = p.receivingSecretKey
  const bundle = openKeyFragmentBundle(await blocks.get(p.bundleCid), secretKey)
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
    const opened = await withCatchUp(() => listAndOpen(p, access, signer), attempts, delayMs, progress, steps.list)
    progress.finish(steps.list)
    return { records: opened.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '')), close }
  } catch (error) {
    close()
    throw error
  }
}

/** Every record of the granted scopes, from the newest manifest heads the care nodes keep. */
async function listAndOpen(p: OpenBundleRecordsParameters, access: SharedAccess, signer: umbral.Signer): Promise<SharedRecord[]> {
  const { grantId, node, blocks, progress, responder } = p
  const step = p.steps.list
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
  const failed = listings.find((listing) => 'error' in listing && listing.error)
  if (failed && 'error' in failed) throw failed.error
  const cids = listings.flatMap((listing) => listing.entries)
  let done = 0
  progress.detail(step, `0 of ${cids.length}`)
  return mapLimited(cids, openConcurrency, async (cid) => {
    const record = await openSharedRecord(blocks, { cid, access })
    progress.detail(step, `${++done} of ${cids.length}`)
    const view = describeResource(record.resource)
    const shared: SharedRecord = { cid: cid.toString(), scope: record.envelope.header.scope, title: view.title, fields: view.fields, resource: record.resource }
    if (view.date) shared.date = view.date
    if (record.attachment) shared.attachment = { ...record.attachment, name: view.title }
    return shared
  })
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
