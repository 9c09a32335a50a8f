import { keccak256, stringToHex, type Hex } from 'viem'

/** Role ids of contracts/Registry.sol (`keccak256("DOCTOR")` …), by the names the app uses. */
export const registryRoles = {
  registrar: keccak256(stringToHex('REGISTRAR')),
  medicalAuthority: keccak256(stringToHex('MEDICAL_AUTHORITY')),
  emsAuthority: keccak256(stringToHex('EMS_AUTHORITY')),
  insuranceAuthority: keccak256(stringToHex('INSURANCE_AUTHORITY')),
  careNodeAuthority: keccak256(stringToHex('CARE_NODE_AUTHORITY')),
  pharmacyAuthority: keccak256(stringToHex('PHARMACY_AUTHORITY')),
  doctor: keccak256(stringToHex('DOCTOR')),
  responder: keccak256(stringToHex('RESPONDER')),
  insurer: keccak256(stringToHex('INSURER')),
  careNode: keccak256(stringToHex('CARE_NODE')),
  pharmacist: keccak256(stringToHex('PHARMACIST')),
} as const satisfies Record<string, Hex>

export type RegistryRoleName = keyof typeof registryRoles

/** Roles that can be listed in the provider directory. */
export const providerRoleNames = ['doctor', 'responder', 'insurer', 'careNode', 'pharmacist'] as const
export type ProviderRoleName = (typeof providerRoleNames)[number]

/** Roles the registrar appoints; each certifies one provider role. */
export const authorityRoleNames = ['medicalAuthority', 'pharmacyAuthority', 'emsAuthority', 'insuranceAuthority', 'careNodeAuthority'] as const
export type AuthorityRoleName = (typeof authorityRoleNames)[number]

/** The provider role each authority certifies (contracts/Registry.sol role admins). */
export const certifiedBy = {
  doctor: 'medicalAuthority',
  pharmacist: 'pharmacyAuthority',
  responder: 'emsAuthority',
  insurer: 'insuranceAuthority',
  careNode: 'careNodeAuthority',
} as const satisfies Record<ProviderRoleName, AuthorityRoleName>

/** The provider role an authority certifies. */
export function certifiesRole(authority: AuthorityRoleName): ProviderRoleName {
  return providerRoleNames.find((role) => certifiedBy[role] === authority)!
}

/** The name of a provider role id read from the chain, or undefined for anything else. */
export function providerRoleName(role: Hex): ProviderRoleName | undefined {
  const id = role.toLowerCase()
  return providerRoleNames.find((name) => registryRoles[name] === id)
}
