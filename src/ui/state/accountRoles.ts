import type { RegistryRoleName } from '../../chain/registryRoles.ts'

/** What the signed-in address may do: every account is a patient; other roles come from the Registry. */
export type AccountRoles = { readonly patient: true } & { readonly [role in RegistryRoleName]: boolean }
