import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as umbral from '../../../crypto/umbral.ts'
import { CID } from 'multiformats/cid'
import { logAccess } from '../../../chain/consent/logAccess.ts'
import { readGrant } from '../../../chain/consent/readGrant.ts'
import { openKeyFragmentBundle } from '../../../core/consent/keyFragmentBundle.ts'
import { readGrantBundle } from '../../../chain/consent/readGrantBundle.ts'
import { describeResource } from '../../../core/fhir/describeResource.ts'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'
import type { Scope } from '../../../core/scopes.ts'
import { listSharedRecords } from '../../../core/share/listSharedRecords.ts'
import { openSharedRecord } from '../../../core/share/openSharedRecord.ts'
import type { SharedAccess } from '../../../core/share/sharedAccess.ts'
import { SharedAccessError } from '../../../core/share/shareErrors.ts'
import type { BlockAccess } from '../../../core/blocks.ts'
import { exportableResource } from '../../../core/vault/exportableResource.ts'
import { receivingSecretKey } from '../../../crypto/umbral.ts'
import type { SalusNode } from '../../../p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../../p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../../p2p/proxyFragmentSource.ts'
import { fetchHead } from '../../../p2p/requestHead.ts'
import { HeadRequestError } from '../../../p2p/headProtocol.ts'
import { downloadBlob, safeFileName } from '../../download.ts'
import { reportError } from '../reportError.ts'
import type { ConsentContext } from './consentContext.ts'
import { AccessEndedError, SharingUnavailableError } from './consentErrors.ts'
import { mapLimited } from './mapLimited.ts'
import type { DirectoryState } from './DirectoryState.svelte.ts'
import type { PatientEntry } from './patientEntry.ts'
import { StepsState } from './StepsState.svelte.ts'

export type SharedRecord = {
  cid: string
  scope: Scope
  title: string
  date?: string
  fields: { label: string; value: string }[]
  resource: FhirResource
  attachment?: { name: string; contentType: string; size: number; read(): AsyncIterable<Uint8Array> }
}

const openConcurrency = 4

/** One patient's shared records as the doctor opens them: log a session, list manifests, decrypt through the proxies. */
export class SharedPatientState {
  readonly steps = new StepsState(['Checking the grant on the chain', 'Logging an access session on the chain', 'Connecting to the patient or care nodes', 'Listing and decrypting the shared records'])
  records = $state.raw<SharedRecord[]>([])
  busy = $state(false)
  error = $state('')
  /** Set when access ended after records were opened: they stay on screen, marked. */
  ended = $state(false)
  /** Set once the chain (or this page's clock) shows the grant revoked or expired: nothing can be opened any more. */
  accessEndedAs = $state<'revoked' | 'expired' | undefined>()
  /** Where blocks came from this time, in words. */
  source = $state('')
  selected = $state.raw<SharedRecord | undefined>()
  private sources: (ReturnType<typeof proxyFragmentSource>)[] = []

  constructor(
    private readonly context: ConsentContext,
    private readonly directory: DirectoryState,
    readonly consent: PatientEntry,
  ) {}

  get label(): string {
    return this.consent.label
  }

  /** The doctor's page learnt that access ended: say so, keep what is on screen marked, offer nothing more. */
  accessEnded(reason: 'revoked' | 'expired'): void {
    if (this.accessEndedAs === reason || this.busy) return
    this.accessEndedAs = reason
    this.error = new AccessEndedError(reason).shortMessage
    if (this.records.length > 0) this.ended = true
  }

  /** Opens (or refreshes) the records; on revoke or expiry what is shown stays, with a note. */
  async open(): Promise<void> {
    if (this.busy || !this.consent.grantId) return
    const { publicClient, walletClient, consent } = this.context
    const grantId = BigInt(this.consent.grantId)
    this.busy = true
    this.error = ''
    this.steps.reset()
    try {
      this.steps.begin(0)
      const grant = await readGrant(publicClient, { consent: consent.address, grantId })
      if (grant.revoked) throw new AccessEndedError('revoked')
      if (grant.expiry * 1000 <= Date.now()) throw new AccessEndedError('expired')
      this.steps.finish(0)

      // Proxies answer only within SESSION_TTL of a logged session; the patient sees every one.
      this.steps.begin(1)
      await this.context.ensureChain()
      await logAccess(walletClient, { consent: consent.address, grantId, scopesMask: grant.scopesMask })
      this.steps.finish(1)

      this.steps.begin(2)
      const node = await this.context.node()
      const patient = await this.dialPatient(node)
      this.source = patient
        ? 'The patient is online: records come straight from their browser (and care nodes).'
        : 'The patient is offline: records come from the care nodes.'
      // Blocks are asked of these peers first: the patient's browser when it answers, and the care nodes.
      const careNodes = this.context.config.careNodes.flatMap((care) => care.multiaddrs.slice(0, 1))
      const blocks = networkBlockAccess(node, { timeoutMs: 20_000, providers: [...(patient ? [patient] : []), ...careNodes] })
      // The grant's bundle now: the delivered one, or the one the patient reissued after rotating a scope.
      const { bundleCid } = await readGrantBundle(publicClient, { consent: consent.address, fromBlock: BigInt(consent.deployBlock), grantId, grantee: this.context.account })
      const bundle = openKeyFragmentBundle(await blocks.get(bundleCid), receivingSecretKey(this.context.workspace.keys.preMasterSeed))
      const access = await this.access(node, bundle, grantId)
      this.steps.finish(2)

      this.steps.begin(3)
      const opened = await this.withCatchUp(() => this.listAndOpen(node, blocks, access))
      this.records = opened.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''))
      this.ended = false
      this.steps.finish(3)
    } catch (error) {
      this.steps.failActive()
      this.error = reportError(error, 'opening shared records')
      if (isAccessEnded(error) && this.records.length > 0) this.ended = true
      if (error instanceof AccessEndedError) this.accessEndedAs = error.reason
    } finally {
      this.busy = false
    }
  }

  /** Every record of the granted scopes, from the newest manifest heads the care nodes keep. */
  private async listAndOpen(node: SalusNode, blocks: BlockAccess, access: SharedAccess): Promise<SharedRecord[]> {
    const careNodes = this.context.config.careNodes.flatMap((care) => care.multiaddrs.slice(0, 1))
    // Care nodes serve heads only to a grantee of the scope: each read carries this grant, signed.
    const grantId = BigInt(this.consent.grantId!)
    const signer = new umbral.Signer(access.receivingSecretKey)
    const listings = await listSharedRecords(blocks, {
      access,
      fetchHeads: async (author, scope) => {
        const results = await Promise.allSettled(careNodes.map((peer) => fetchHead(node, { peer, author, scope, timeoutMs: 10_000, grantId, signer })))
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
    this.steps.detail(3, `0 of ${cids.length}`)
    return mapLimited(cids, openConcurrency, async (cid) => {
      const record = await openSharedRecord(blocks, { cid, access })
      this.steps.detail(3, `${++done} of ${cids.length}`)
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
  private async withCatchUp<T>(run: () => Promise<T>, attempts = 6): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run()
      } catch (error) {
        const catchingUp =
          (error instanceof SharedAccessError && error.failures.length > 0 && error.failures.every((f) => f.code === 'no-fragment' || f.code === 'unknown-grant')) ||
          (error instanceof HeadRequestError && error.code === 'unauthorized')
        if (!catchingUp || attempt >= attempts) throw error
        this.steps.detail(3, 'The care nodes are still catching up with the chain; trying again…')
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt))
      }
    }
  }

  /**
   * Best effort: a direct (WebRTC) connection to the patient's browser, through its relay
   * addresses. An old connection may outlive a closed tab, so it must answer a ping.
   */
  private async dialPatient(node: SalusNode): Promise<string | undefined> {
    const patient = this.consent.patient
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

  private async access(node: SalusNode, bundle: SharedAccess['bundle'], grantId: bigint): Promise<SharedAccess> {
    if (this.directory.careNodes.length === 0) await this.directory.load()
    const secretKey = receivingSecretKey(this.context.workspace.keys.preMasterSeed)
    const signer = new umbral.Signer(secretKey)
    this.close()
    this.sources = bundle.proxies.flatMap((proxy) => {
      const entry = this.directory.careNodes.find((care) => care.account.toLowerCase() === proxy.address.toLowerCase())
      const address = entry?.multiaddrs.find((a) => a.includes('/p2p/'))
      return address ? [proxyFragmentSource(node, { proxy: address, grantId, signer })] : []
    })
    if (this.sources.length < bundle.threshold) {
      throw new SharingUnavailableError('The care nodes named in this consent are not in the directory any more, so the records cannot be unlocked. Ask the patient to share again.')
    }
    return { bundle, receivingSecretKey: secretKey, sources: this.sources }
  }

  async exportRecord(record: SharedRecord): Promise<void> {
    try {
      const resource = await exportableResource(record.resource, record.attachment)
      downloadBlob(new Blob([JSON.stringify(resource, null, 2)], { type: 'application/fhir+json' }), safeFileName(record.title, 'json'))
    } catch (error) {
      this.error = reportError(error, 'exporting a shared record')
    }
  }

  close(): void {
    for (const source of this.sources) void source.close().catch(() => {})
    this.sources = []
  }
}

function isAccessEnded(error: unknown): boolean {
  if (error instanceof AccessEndedError) return true
  const code = (error as { code?: unknown; errorName?: unknown }).code
  const errorName = (error as { errorName?: unknown }).errorName
  return code === 'revoked' || code === 'expired' || errorName === 'Consent__GrantRevoked' || errorName === 'Consent__GrantExpired'
}
