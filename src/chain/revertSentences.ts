import { anchorsRevertSentences } from './anchorsRevertSentences.ts'
import { appointmentsRevertSentences } from './appointments/appointmentsRevertSentences.ts'
import { consentRevertSentences } from './consent/consentRevertSentences.ts'
import { emergencyRevertSentences } from './emergency/emergencyRevertSentences.ts'
import { insuranceRevertSentences } from './insurance/insuranceRevertSentences.ts'
import { pharmacyRevertSentences } from './pharmacy/pharmacyRevertSentences.ts'
import { registryRevertSentences } from './registryRevertSentences.ts'

/** The Salus contracts, each with its own table of sentences, one per custom error. */
export const revertSentences = {
  Anchors: anchorsRevertSentences,
  Appointments: appointmentsRevertSentences,
  Consent: consentRevertSentences,
  Emergency: emergencyRevertSentences,
  Insurance: insuranceRevertSentences,
  Pharmacy: pharmacyRevertSentences,
  Registry: registryRevertSentences,
} as const satisfies Record<string, Record<string, string>>

export type SalusContractName = keyof typeof revertSentences

const fallbackSentence = 'The contract refused this request. Nothing was changed.'

/** The contract whose custom error this is: `Consent__AlreadyRevoked` is Consent's; OpenZeppelin's AccessControl is inherited by Registry. */
export function contractOfError(errorName: string | undefined): SalusContractName | undefined {
  if (!errorName) return undefined
  const prefix = errorName.split('__')[0]
  if (prefix && prefix in revertSentences && errorName.includes('__')) return prefix as SalusContractName
  if (errorName in registryRevertSentences) return 'Registry'
  return undefined
}

/** The sentence for a custom error of any Salus contract, or a general one. */
export function revertSentence(errorName: string | undefined): string {
  const contract = contractOfError(errorName)
  return (contract && errorName && revertSentences[contract][errorName]) || fallbackSentence
}
