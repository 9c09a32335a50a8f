import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { Address } from 'viem'
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
  const secretKey = receivingSecretKey(p.keys.preMasterSeed)
  const bundle = openKeyFragmentBundle(await blocks.get(bundleCid), secretKey)
  const signer = new umbral.Signer(secretKey)
  const directory = await p.directoryCareNodes()
  const sources = bundle.proxies.flatMap((proxy) => {
    const entry = directory.find((care) => care.account.toLowerCase() === proxy.address.toLowerCase())
    const address = entry?.multiaddrs.find((a) => a.includes('/p2p/'))
    return address ? [proxyFragmentSource(node, { proxy: address, grantId, signer })] : []
  })
  const close = () => {
    for (const source of sources) void source.close().catch(() => {})
  }
  try {
    if (sources.length < bundle.threshold) {
      throw new SharingUnavailableError('The care nodes named in this consent are not in the directory any more, so the records cannot be unlocked. Ask the patient to share again.')
    }
    const access: SharedAccess = { bundle, receivingSecretKey: secretKey, sources }
    progress.finish(2)

    progress.begin(3)
    const { attempts = 6, delayMs = 1_000 } = p.catchUp ?? {}
    const opened = await withCatchUp(() => listAndOpen(p, node, blocks, access, signer, progress), attempts, delayMs, progress)
    progress.finish(3)
    return { records: opened.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? '')), patientAddress, close }
  } catch (error) {
    close()
    throw error
  }
}

/** Every record of the granted scopes, from the newest manifest heads the care nodes keep. */
async function listAndOpen(p: OpenSharedRecordsParameters, node: SalusNode, blocks: BlockAccess, access: SharedAccess, signer: umbral.Signer, progress: FlowProgress): Promise<SharedRecord[]> {
  const { grantId } = p
  // Care nodes serve heads only to a grantee of the scope: each read carries this grant, signed.
  const listings = await listSharedRecords(blocks, {
    access,
    fetchHeads: async (author, scope) => {
      const results = await Promise.allSettled(p.careNodes.map((peer) => fetchHead(node, { peer, author, scope, timeoutMs: 10_000, grantId, signer })))
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
  progress.detail(3, `0 of ${cids.length}`)
  return mapLimited(cids, openConcurrency, async (cid) => {
    const record = await openSharedRecord(blocks, { cid, access })
    progress.detail(3, `${++done} of ${cids.length}`)
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
async function withCatchUp<T>(run: () => Promise<T>, attempts: number, delayMs: number, progress: FlowProgress): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const catchingUp =
        (error instanceof SharedAccessError && error.failures.length > 0 && error.failures.every((f) => f.code === 'no-fragment' || f.code === 'unknown-grant')) ||
        (error instanceof HeadRequestError && error.code === 'unauthorized')
      if (!catchingUp || attempt >= attempts) throw error
      progress.detail(3, 'The care nodes are still catching up with the chain; trying again…')
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
