import { authorityRoleNames, type AuthorityRoleName, type RegistryRoleName } from '../../chain/registryRoles.ts'

/** What the signed-in address may do: every account is a patient; other roles come from the Registry. */
export type AccountRoles = { readonly patient: true } & { readonly [role in RegistryRoleName]: boolean }

/** The authority roles the account holds (medical council, EMS …), in the Registry's order. */
export function heldAuthorities(roles: AccountRoles): AuthorityRoleName[] {
  return authorityRoleNames.filter((role) => roles[role])
}
