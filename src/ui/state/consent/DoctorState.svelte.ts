import { bytesToHex, isAddressEqual } from 'viem'
import { getGrantEvents } from '../../../chain/consent/getGrantEvents.ts'
import { readGrant } from '../../../chain/consent/readGrant.ts'
import { submitGrant } from '../../../chain/consent/submitGrant.ts'
import { readProvider } from '../../../chain/readProvider.ts'
import { updateProvider } from '../../../chain/updateProvider.ts'
import { receivingSecretKey } from '../../../crypto/umbral.ts'
import type { Delivery } from '../../../p2p/deliverProtocol.ts'
import { serveDeliverProtocol } from '../../../p2p/serveDeliverProtocol.ts'
import { reportError } from '../reportError.ts'
import type { ConsentContext } from './consentContext.ts'
import { loadConsentInbox, saveConsentInbox, type IncomingConsent } from './consentInbox.ts'
import { DirectoryState } from './DirectoryState.svelte.ts'
import { patientOfConsent, patientOfGrantEvent, type PatientEntry } from './patientEntry.ts'
import { scopesOfMask } from './PatientGrantsState.svelte.ts'
import { relayAddresses } from './relayAddresses.ts'
import { SharedPatientState } from './SharedPatientState.svelte.ts'

export type GrantStatus = 'active' | 'expired' | 'revoked' | 'unknown'

/** The doctor's side of consent: reachable for deliveries, the inbox, accepting on chain, and patients' records. */
export class DoctorState {
  readonly directory: DirectoryState
  inbox = $state.raw<IncomingConsent[]>([])
  /** Chain status per accepted grant id. */
  statuses = $state.raw<Record<string, GrantStatus>>({})
  accepting = $state('')
  error = $state('')
  status = $state('')
  /** Whether patients can reach this browser (listening for consents, address in the directory). */
  reachability = $state('Connecting to the network…')
  open = $state.raw<SharedPatientState | undefined>()
  /** Grants to this doctor found on chain, for those this browser has no consent message for. */
  onChain = $state.raw<PatientEntry[]>([])
  private stopServing: (() => Promise<void>) | undefined
  private disposed = false

  constructor(private readonly context: ConsentContext) {
    this.directory = new DirectoryState(context)
    this.inbox = loadConsentInbox(context.account)
  }

  get incoming(): IncomingConsent[] {
    return this.inbox.filter((item) => !item.grantId)
  }

  get patients(): PatientEntry[] {
    const accepted = this.inbox.filter((item): item is IncomingConsent & { grantId: string } => item.grantId !== undefined).map(patientOfConsent)
    const known = new Set(accepted.map((entry) => entry.grantId))
    return [...accepted, ...this.onChain.filter((entry) => !known.has(entry.grantId))]
  }

  async start(): Promise<void> {
    void this.refreshStatuses()
    try {
      const node = await this.context.node()
      if (this.disposed) return
      this.stopServing = await serveDeliverProtocol(node, { onDelivery: (delivery, { from }) => this.receive(delivery, from) })
      this.reachability = 'Listening for consents from patients.'
      await this.publishAddress()
    } catch (error) {
      this.reachability = `Patients cannot reach you: ${reportError(error, 'listening for consents')}`
    }
  }

  private receive(delivery: Delivery, from: string): void {
    // Anything else is refused: the sender sees 'refused'.
    if (delivery.kind !== 'consent') throw new Error('only consents are accepted here')
    if (!isAddressEqual(delivery.grant.grantee, this.context.account)) throw new Error('consent for another doctor')
    const id = delivery.grant.bundleCid
    if (this.inbox.some((item) => item.id === id)) return
    this.setInbox([{ id, delivery, from, received: new Date().toISOString() }, ...this.inbox])
    this.status = `New consent from “${delivery.label}”.`
  }

  /** Patients find this browser through the directory: keep its peer id, relay addresses and receiving key current there. */
  private async publishAddress(): Promise<void> {
    const { publicClient, walletClient, config, account } = this.context
    const node = await this.context.node()
    let addresses = relayAddresses(node)
    for (let attempt = 0; addresses.length === 0 && attempt < 20 && !this.disposed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      addresses = relayAddresses(node)
    }
    const registry = config.contracts.Registry.address
    const entry = await readProvider(publicClient, { registry, account })
    if (!entry) {
      this.reachability = 'You are not listed in the provider directory, so patients cannot find you. Ask the medical authority to list you.'
      return
    }
    const key = receivingSecretKey(this.context.workspace.keys.preMasterSeed).publicKey()
    const umbralPublicKey = bytesToHex(key.toCompressedBytes())
    key.free()
    const peerId = node.libp2p.peerId.toString()
    const same = entry.peerId === peerId && entry.umbralPublicKey.toLowerCase() === umbralPublicKey && sameList(entry.multiaddrs, addresses)
    if (same || addresses.length === 0) {
      this.reachability = addresses.length === 0 ? 'No relay answered: patients cannot reach you right now.' : 'Listening for consents from patients.'
      return
    }
    this.reachability = 'Publishing your network address in the directory…'
    const { account: _a, role: _r, active: _x, ...profile } = entry
    await updateProvider(walletClient, { registry, profile: { ...profile, peerId, multiaddrs: addresses, umbralPublicKey } })
    this.reachability = 'Listening for consents from patients (address published in the directory).'
  }

  /** The doctor's account records the consent on chain and pays the gas; the patient's wallet never appears. */
  async accept(item: IncomingConsent): Promise<void> {
    if (this.accepting) return
    this.accepting = item.id
    this.error = ''
    this.status = ''
    try {
      const { grant, pseudonym, proof } = item.delivery
      const result = await submitGrant(this.context.walletClient, {
        consent: this.context.consent.address,
        params: { ...grant, expiry: BigInt(grant.expiry), proxiesHash: BigInt(grant.proxiesHash) },
        pseudonym: BigInt(pseudonym),
        proof: proof.map((word) => BigInt(word)),
      })
      this.setInbox(this.inbox.map((entry) => (entry.id === item.id ? { ...entry, grantId: result.grantId.toString() } : entry)))
      this.statuses = { ...this.statuses, [result.grantId.toString()]: 'active' }
      this.status = `Access from “${item.delivery.label}” recorded on chain (grant #${result.grantId}).`
    } catch (error) {
      this.error = reportError(error, 'accepting a consent')
    } finally {
      this.accepting = ''
    }
  }

  dismiss(item: IncomingConsent): void {
    this.setInbox(this.inbox.filter((entry) => entry.id !== item.id))
  }

  /** Status of every grant from the chain, and grants accepted elsewhere (another device, cleared storage). */
  async refreshStatuses(): Promise<void> {
    const { publicClient, consent, account } = this.context
    try {
      const { events } = await getGrantEvents(publicClient, { consent: consent.address, fromBlock: BigInt(consent.deployBlock), grantee: account })
      this.onChain = events.flatMap((event) => (event.type === 'GrantCreated' ? (patientOfGrantEvent(event) ?? []) : [])).reverse()
    } catch (error) {
      console.warn('Salus: reading grants from the chain failed', error)
    }
    const statuses: Record<string, GrantStatus> = {}
    await Promise.all(
      this.patients.map(async (item) => {
        try {
          const grant = await readGrant(publicClient, { consent: consent.address, grantId: BigInt(item.grantId) })
          statuses[item.grantId] = grant.revoked ? 'revoked' : grant.expiry * 1000 <= Date.now() ? 'expired' : 'active'
        } catch {
          statuses[item.grantId] = 'unknown'
        }
      }),
    )
    this.statuses = statuses
  }

  openPatient(item: PatientEntry): void {
    if (this.open?.consent.id !== item.id) {
      this.open?.close()
      this.open = new SharedPatientState(this.context, this.directory, item)
    }
    void this.open.open().then(() => this.refreshStatuses())
  }

  closePatient(): void {
    this.open?.close()
    this.open = undefined
  }

  scopesOf(item: { scopesMask: number }) {
    return scopesOfMask(item.scopesMask)
  }

  private setInbox(items: IncomingConsent[]): void {
    this.inbox = items
    try {
      saveConsentInbox(this.context.account, items)
    } catch (error) {
      console.warn('Salus: the consent inbox could not be saved', error)
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true
    this.open?.close()
    await this.stopServing?.().catch(() => {})
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, i) => value === b[i])
}
