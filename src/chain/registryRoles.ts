import { keccak256, stringToHex, type Hex } from 'viem'

/** Role ids of contracts/Registry.sol (`keccak256("DOCTOR")` …), by the names the app uses. */
export const registryRoles = {
  registrar: keccak256(stringToHex('REGISTRAR')),
  medicalAuthority: keccak256(stringToHex('MEDICAL_AUTHORITY')),
  emsAuthority: keccak256(stringToHex('EMS_AUTHORITY')),
  insuranceAuthority: keccak256(stringToHex('INSURANCE_AUTHORITY')),
  careNodeAuthority: keccak256(stringToHex('CARE_NODE_AUTHORITY')),
  doctor: keccak256(stringToHex('DOCTOR')),
  responder: keccak256(stringToHex('RESPONDER')),
  insurer: keccak256(stringToHex('INSURER')),
  careNode: keccak256(stringToHex('CARE_NODE')),
} as const satisfies Record<string, Hex>

export type RegistryRoleName = keyof typeof registryRoles

/** Roles that can be listed in the provider directory. */
export const providerRoleNames = ['doctor', 'responder', 'insurer', 'careNode'] as const
export type ProviderRoleName = (typeof providerRoleNames)[number]

/** The name of a provider role id read from the chain, or undefined for anything else. */
export function providerRoleName(role: Hex): ProviderRoleName | undefined {
  const id = role.toLowerCase()
  return providerRoleNames.find((name) => registryRoles[name] === id)
}
