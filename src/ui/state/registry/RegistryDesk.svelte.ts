import { getAddress, isAddress, type Address } from 'viem'
import type { AccountClients } from '../../../chain/accountClients.ts'
import { appointAuthority } from '../../../chain/appointAuthority.ts'
import { certifyProvider } from '../../../chain/certifyProvider.ts'
import { decertifyProvider } from '../../../chain/decertifyProvider.ts'
import { dismissAuthority } from '../../../chain/dismissAuthority.ts'
import { licenceNumberHash } from '../../../chain/licenceNumberHash.ts'
import { listApplicants } from '../../../chain/listApplicants.ts'
import { listRoleMembers } from '../../../chain/listRoleMembers.ts'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { readProvider } from '../../../chain/readProvider.ts'
import { authorityRoleNames, certifiesRole, type AuthorityRoleName, type ProviderRoleName } from '../../../chain/registryRoles.ts'
import { heldAuthorities, type AccountRoles } from '../accountRoles.ts'
import { reportError } from '../reportError.ts'
import { authorityLabels, providerLabels } from './registryLabels.ts'

const memberNamesRead = 300

/** A certified provider, with their directory entry when they wrote one (responders often have none). */
export type Member = { account: Address; entry: ProviderEntry | undefined }

/** What one authority oversees: applications waiting for it, and the providers it certified. */
export type AuthorityPanel = { authority: AuthorityRoleName; role: ProviderRoleName; applicants: ProviderEntry[]; members: Member[] }

/** The licence check of an application: the number the authority has on file against the entry's hash. */
export type LicenceCheck = 'empty' | 'matches' | 'differs'

/**
 * The Registry page: the registrar appoints and dismisses authorities; each authority sees
 * the applications for its provider role, checks the licence number, certifies, and
 * decertifies its members. Every write names what happened or what to do next.
 */
export class RegistryDesk {
  readonly isRegistrar: boolean
  readonly authorities: AuthorityRoleName[]
  /** Registrar view: the accounts holding each authority role now. */
  appointed = $state.raw<Partial<Record<AuthorityRoleName, Address[]>>>({})
  panels = $state.raw<AuthorityPanel[]>([])
  appointForm = $state<{ role: AuthorityRoleName; account: string }>({ role: 'medicalAuthority', account: '' })
  /** The licence number typed for each applicant (by account). */
  licences = $state<Record<string, string>>({})
  loading = $state(true)
  /** The action running, for the busy text ('' when idle). */
  busy = $state('')
  status = $state('')
  error = $state('')

  constructor(
    private readonly clients: AccountClients,
    roles: AccountRoles,
  ) {
    this.isRegistrar = roles.registrar
    this.authorities = heldAuthorities(roles)
  }

  async load(): Promise<void> {
    this.loading = true
    try {
      await this.refresh()
    } catch (error) {
      this.error = reportError(error, 'reading the registry')
    } finally {
      this.loading = false
    }
  }

  async refresh(): Promise<void> {
    const { publicClient, config } = this.clients
    const registry = config.contracts.Registry.address
    if (this.isRegistrar) {
      const lists = await Promise.all(authorityRoleNames.map((role) => listRoleMembers(publicClient, { registry, role })))
      this.appointed = Object.fromEntries(authorityRoleNames.map((role, i) => [role, lists[i]!]))
    }
    this.panels = await Promise.all(
      this.authorities.map(async (authority) => {
        const role = certifiesRole(authority)
        const [applicants, accounts] = await Promise.all([listApplicants(publicClient, { registry, role }), listRoleMembers(publicClient, { registry, role })])
        // Names for the first members only: one read each (the HTTP transport batches them).
        const entries = await Promise.all(accounts.slice(0, memberNamesRead).map((account) => readProvider(publicClient, { registry, account })))
        const members = accounts.map((account, i) => ({ account, entry: entries[i]?.role === role ? entries[i] : undefined }))
        return { authority, role, applicants, members }
      }),
    )
  }

  licenceCheck(entry: ProviderEntry): LicenceCheck {
    const typed = (this.licences[entry.account] ?? '').trim()
    if (!typed) return 'empty'
    return licenceNumberHash(typed).toLowerCase() === entry.licenceNumberHash.toLowerCase() ? 'matches' : 'differs'
  }

  async appoint(): Promise<void> {
    const { role } = this.appointForm
    const typed = this.appointForm.account.trim()
    if (!isAddress(typed, { strict: false })) {
      this.status = ''
      this.error = 'Enter the new authority’s account address: 0x followed by 40 hex digits.'
      return
    }
    const account = getAddress(typed)
    if (this.appointed[role]?.includes(account)) {
      this.status = ''
      this.error = `${account} is already a ${authorityLabels[role]}. Nothing was changed.`
      return
    }
    const done = await this.write(`Appointing ${authorityLabels[role]}…`, (registry) =>
      appointAuthority(this.clients.walletClient, { registry, role, account }),
    )
    if (done) {
      this.appointForm.account = ''
      this.status = `${account} is now a ${authorityLabels[role]}. It signs in with that account and finds the Registry page.`
    }
  }

  async dismiss(role: AuthorityRoleName, account: Address): Promise<void> {
    const done = await this.write(`Dismissing the ${authorityLabels[role]}…`, (registry) => dismissAuthority(this.clients.walletClient, { registry, role, account }))
    if (done)
      this.status = `${account} is no longer a ${authorityLabels[role]}. The providers it certified stay certified until another ${authorityLabels[role]} decertifies them.`
  }

  async certify(role: ProviderRoleName, entry: ProviderEntry): Promise<void> {
    const done = await this.write(`Certifying ${entry.name}…`, (registry) => certifyProvider(this.clients.walletClient, { registry, role, account: entry.account }))
    if (done) this.status = `${entry.name} is certified and listed in the directory.`
  }

  /** Certifies an account with no application (a responder the authority knows by address). */
  async certifyAddress(role: ProviderRoleName, typed: string): Promise<boolean> {
    if (!isAddress(typed.trim(), { strict: false })) {
      this.status = ''
      this.error = 'Enter the account address to certify: 0x followed by 40 hex digits.'
      return false
    }
    const account = getAddress(typed.trim())
    const done = await this.write(`Certifying ${account}…`, (registry) => certifyProvider(this.clients.walletClient, { registry, role, account }))
    if (done) this.status = `${account} is certified as ${providerLabels[role].one.toLowerCase()}.`
    return done
  }

  async decertify(role: ProviderRoleName, member: Member): Promise<void> {
    const who = member.entry?.name ?? member.account
    const done = await this.write(`Decertifying ${who}…`, (registry) => decertifyProvider(this.clients.walletClient, { registry, role, account: member.account }))
    if (done) this.status = `${who} is no longer certified and has left the directory.`
  }

  private async write(busy: string, send: (registry: Address) => Promise<unknown>): Promise<boolean> {
    if (this.busy) return false
    this.busy = busy
    this.error = ''
    this.status = ''
    try {
      await this.clients.ensureChain()
      await send(this.clients.config.contracts.Registry.address)
    } catch (error) {
      this.error = reportError(error, busy.replace(/…$/, '').toLowerCase())
      return false
    } finally {
      this.busy = ''
    }
    try {
      await this.refresh()
    } catch (error) {
      this.error = `Done, but the lists could not be read again: ${reportError(error, 'reading the registry')}`
    }
    return true
  }
}
