import type { AuthorityRoleName, ProviderRoleName } from '../../../chain/registryRoles.ts'

/** What the pages call each authority (the registrar appoints them). */
export const authorityLabels: Record<AuthorityRoleName, string> = {
  medicalAuthority: 'Medical council',
  pharmacyAuthority: 'Pharmacy council',
  emsAuthority: 'EMS authority',
  insuranceAuthority: 'Insurance regulator',
  careNodeAuthority: 'Care-node operator',
}

/** One provider of each role, and the plural for lists. */
export const providerLabels: Record<ProviderRoleName, { one: string; many: string }> = {
  doctor: { one: 'Doctor', many: 'Doctors' },
  pharmacist: { one: 'Pharmacist', many: 'Pharmacists' },
  responder: { one: 'Ambulance responder', many: 'Responders' },
  insurer: { one: 'Insurer', many: 'Insurers' },
  careNode: { one: 'Care node', many: 'Care nodes' },
}
