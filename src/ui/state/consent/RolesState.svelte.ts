import type { Address } from 'viem'
import { createSalusClients } from '../../../chain/createSalusClients.ts'
import { hasRegistryRole } from '../../../chain/hasRegistryRole.ts'
import type { NetworkConfig } from '../../../chain/networkConfig.ts'
import { registryRoles, type RegistryRoleName } from '../../../chain/registryRoles.ts'
import type { AccountRoles } from '../accountRoles.ts'
import { reportError } from '../reportError.ts'
import { noRoles } from './noRoles.ts'

/** The signed-in address's Registry roles, which decide the sections shown. Never fatal: patient only on failure. */
export class RolesState {
  roles = $state.raw<AccountRoles>(noRoles)
  loaded = $state(false)
  error = $state('')
  private loading: Promise<void> | undefined

  load(config: NetworkConfig, account: Address): Promise<void> {
    this.loading ??= this.read(config, account)
    return this.loading
  }

  /** Reads the roles again, e.g. once an authority has certified the account (the sections follow). */
  reload(config: NetworkConfig, account: Address): Promise<void> {
    this.loading = this.read(config, account)
    return this.loading
  }

  private async read(config: NetworkConfig, account: Address): Promise<void> {
    try {
      const { publicClient } = createSalusClients(config)
      const names = Object.keys(registryRoles) as RegistryRoleName[]
      const held = await Promise.all(
        names.map((role) => hasRegistryRole(publicClient, { registry: config.contracts.Registry.address, role, account })),
      )
      const roles: Record<string, boolean> = { ...noRoles }
      names.forEach((name, i) => (roles[name] = held[i] ?? false))
      this.roles = roles as AccountRoles
    } catch (error) {
      this.error = reportError(error, 'reading the account roles')
    } finally {
      this.loaded = true
    }
  }
}
