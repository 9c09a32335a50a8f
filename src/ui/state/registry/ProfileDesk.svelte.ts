import { bytesToHex, type Hex } from 'viem'
import type { AccountClients } from '../../../chain/accountClients.ts'
import { hasRegistryRole } from '../../../chain/hasRegistryRole.ts'
import { licenceNumberHash } from '../../../chain/licenceNumberHash.ts'
import type { ProviderEntry, ProviderProfile } from '../../../chain/providerEntry.ts'
import { readProvider } from '../../../chain/readProvider.ts'
import { registerProvider } from '../../../chain/registerProvider.ts'
import { certifiedBy, type ProviderRoleName } from '../../../chain/registryRoles.ts'
import { updateProvider } from '../../../chain/updateProvider.ts'
import { receivingSecretKey } from '../../../crypto/umbral.ts'
import type { SalusNode } from '../../../p2p/createBrowserNode.ts'
import { relayAddresses } from '../consent/relayAddresses.ts'
import { reportError } from '../reportError.ts'
import type { Workspace } from '../Workspace.svelte.ts'
import { authorityLabels, providerLabels } from './registryLabels.ts'

/** Roles a person applies for from the Profile page (care nodes register from their own command line). */
export const applicableRoles = ['doctor', 'pharmacist', 'responder', 'insurer'] as const satisfies readonly ProviderRoleName[]

/** Where the account stands: no entry, waiting for its authority, listed, or certified with the entry hidden. */
export type ListingState = 'none' | 'waiting' | 'listed' | 'hidden'

/**
 * The Profile page: anyone writes their own directory entry and submits it for
 * certification. Keys and network addresses come from the running app; the licence number
 * is published only as its hash, which the authority checks against the number it has.
 */
export class ProfileDesk {
  form = $state({ role: 'doctor' as ProviderRoleName, name: '', specialty: '', licence: '', hospital: '' })
  entry = $state.raw<ProviderEntry | undefined>()
  certified = $state(false)
  loading = $state(true)
  busy = $state('')
  status = $state('')
  error = $state('')

  constructor(
    private readonly clients: AccountClients,
    private readonly workspace: Workspace,
  ) {}

  state = $derived.by((): ListingState => {
    if (!this.entry) return 'none'
    if (!this.certified) return 'waiting'
    return this.entry.active ? 'listed' : 'hidden'
  })

  /** The sentence for the current state, naming the authority the entry waits for. */
  summary = $derived.by((): string => {
    const role = this.entry?.role ?? this.form.role
    const authority = authorityLabels[certifiedBy[role]]
    switch (this.state) {
      case 'none':
        return 'You have no directory entry. Fill in the form and submit it for certification.'
      case 'waiting':
        return `Waiting for certification by the ${authority}. Your entry is not in the directory until it certifies you; ask it to check your licence number.`
      case 'listed':
        return `Listed in the directory as ${providerLabels[role].one.toLowerCase()}, certified by the ${authority}.`
      case 'hidden':
        return 'Certified, but your entry is hidden from the directory.'
    }
    return ''
  })

  async load(): Promise<void> {
    this.loading = true
    try {
      await this.refresh()
      if (this.entry) {
        const { role, name, specialty, hospital } = this.entry
        this.form = { role, name, specialty, hospital, licence: '' }
      }
    } catch (error) {
      this.error = reportError(error, 'reading your directory entry')
    } finally {
      this.loading = false
    }
  }

  async refresh(): Promise<void> {
    const { publicClient, config, account } = this.clients
    const registry = config.contracts.Registry.address
    const entry = await readProvider(publicClient, { registry, account })
    this.entry = entry
    this.certified = entry ? await hasRegistryRole(publicClient, { registry, role: entry.role, account }) : false
    // Certified (or decertified) since the sections were chosen: show the pages the role gives now.
    if (entry && this.workspace.roles.roles[entry.role] !== this.certified) await this.workspace.roles.reload(config, account)
  }

  /** Checks the chain again (the authority may have certified the entry since). */
  async check(): Promise<void> {
    this.error = ''
    try {
      await this.refresh()
    } catch (error) {
      this.error = reportError(error, 'reading your directory entry')
    }
  }

  async submit(): Promise<void> {
    if (this.busy) return
    this.error = ''
    this.status = ''
    const problem = this.problem()
    if (problem) return void (this.error = problem)
    const existing = this.entry
    this.busy = existing ? 'Updating your entry…' : 'Submitting your entry…'
    try {
      const profile = this.profile(existing)
      const registry = this.clients.config.contracts.Registry.address
      await this.clients.ensureChain()
      if (existing) await updateProvider(this.clients.walletClient, { registry, profile })
      else await registerProvider(this.clients.walletClient, { registry, role: this.form.role, profile })
      await this.refresh()
      this.form.licence = ''
      this.status = existing ? 'Your entry is updated.' : 'Your entry is submitted.'
    } catch (error) {
      this.error = reportError(error, 'submitting your directory entry')
    } finally {
      this.busy = ''
    }
  }

  private problem(): string {
    const { role, name, licence } = this.form
    if (!name.trim()) return 'Enter your name as it should appear in the directory.'
    if (!this.entry && !licence.trim()) return 'Enter your licence number: your authority checks it before certifying you.'
    if (this.entry && this.entry.role !== role) {
      return `Your entry applies as ${providerLabels[this.entry.role].one.toLowerCase()}; an entry keeps its role. Choose that role to update it, or use another account for a different role.`
    }
    return ''
  }

  private profile(existing: ProviderEntry | undefined): ProviderProfile {
    const node: SalusNode | undefined = this.workspace.node
    const licence = this.form.licence.trim()
    return {
      name: this.form.name.trim(),
      specialty: this.form.specialty.trim(),
      hospital: this.form.hospital.trim(),
      licenceNumberHash: licence ? licenceNumberHash(licence) : existing!.licenceNumberHash,
      umbralPublicKey: this.umbralPublicKey(),
      peerId: node ? node.libp2p.peerId.toString() : (existing?.peerId ?? ''),
      multiaddrs: node ? relayAddresses(node) : (existing?.multiaddrs ?? []),
    }
  }

  /** The key grants to this account are re-encrypted to: the one its app derives at sign-in. */
  private umbralPublicKey(): Hex {
    const key = receivingSecretKey(this.workspace.keys.preMasterSeed).publicKey()
    try {
      return bytesToHex(key.toCompressedBytes())
    } finally {
      key.free()
    }
  }
}
