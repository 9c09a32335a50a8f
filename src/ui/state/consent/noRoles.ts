import type { AccountRoles } from '../accountRoles.ts'

/** Until the Registry answers (or when there is no chain), an account is only a patient. */
export const noRoles: AccountRoles = {
  patient: true,
  registrar: false,
  medicalAuthority: false,
  emsAuthority: false,
  insuranceAuthority: false,
  careNodeAuthority: false,
  pharmacyAuthority: false,
  doctor: false,
  responder: false,
  insurer: false,
  careNode: false,
  pharmacist: false,
}
