import type { EmergencySummaryView } from '../../../core/emergency/emergencySummaryView.ts'
import type { EmergencyMinimum } from './emergencyParts.ts'

/** Where the crew's view came from: the full IPS Bundle, or only the minimum carried inside the QR. */
export type ViewSource = 'full' | 'minimum'

/** The crew's view of the minimum carried inside the QR (no network needed), in the full view's shape. */
export function viewOfMinimum(minimum: EmergencyMinimum): EmergencySummaryView {
  const item = (text: string) => ({ text })
  const contact = minimum.contact
  return {
    patient: {},
    allergies: minimum.allergies.map(item),
    medications: minimum.medications.map(item),
    problems: minimum.problems.map(item),
    pastProblems: [],
    ...(minimum.bloodGroup ? { bloodGroup: { text: minimum.bloodGroup } } : {}),
    devices: [],
    directives: [],
    contacts: contact ? [{ name: contact.name, ...(contact.relation ? { relation: contact.relation } : {}), ...(contact.phone ? { phone: contact.phone } : {}) }] : [],
    results: [],
    immunizations: [],
    emptyReasons: {},
    lastUpdated: minimum.updatedAt,
  }
}

const groupPattern = /\b(AB|A|B|O)\b.*\bRh\s*\(?D\)?\s*(positive|negative)/i

/** "Blood group A Rh(D) positive" (SNOMED CT's display) as "A+"; anything else as it is. */
export function shortBloodGroup(text: string): string {
  const match = groupPattern.exec(text)
  if (!match) return text
  return `${match[1]!.toUpperCase()}${match[2]!.toLowerCase() === 'positive' ? '+' : '−'}`
}
