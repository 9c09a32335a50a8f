import type { FhirResource } from '../fhir/fhirTypes.ts'
import { asList, asObject, referenceText, text } from '../fhir/fhirText.ts'
import type { RecordSource } from '../vault/types.ts'
import { recordedAtExtension, recordedByExtension } from './ipsSections.ts'

export type Provenance = { recordedBy?: string; recordedAt?: string }

const extensionValue = (resource: Record<string, unknown>, url: string) => {
  const found = asList(resource.extension).map(asObject).find((item) => item?.url === url)
  return text(found?.valueString) ?? text(found?.valueDateTime)
}

/**
 * Who recorded a resource and when, from the resource itself: Salus's own stamp first,
 * then the FHIR elements each type has (recorder, asserter, informationSource,
 * performer; recordedDate, dateAsserted, recorded, issued, dateTime).
 */
export function ownProvenance(resource: Record<string, unknown>): Provenance {
  const by = extensionValue(resource, recordedByExtension) ??
    referenceText(resource.recorder) ?? referenceText(resource.asserter) ?? referenceText(resource.informationSource) ??
    asList(resource.performer).map((item) => referenceText(asObject(item)?.actor) ?? referenceText(item)).find(Boolean)
  const at = extensionValue(resource, recordedAtExtension) ??
    text(resource.recordedDate) ?? text(resource.dateAsserted) ?? text(resource.recorded) ?? text(resource.issued) ?? text(resource.dateTime)
  // A bare "Practitioner/123" says nothing to a crew.
  const shownBy = by && !/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+$/.test(by) && !by.startsWith('urn:') ? by : undefined
  return { ...(shownBy ? { recordedBy: shownBy } : {}), ...(at ? { recordedAt: at } : {}) }
}

/**
 * A vault record as the summary builder takes it: recorded when it entered the vault;
 * by `author` when the caller knows it (a provider's verified write-back), else by
 * whoever the resource names, else (in the builder) the patient.
 */
export function summaryRecordFromVault(
  record: { resource: FhirResource; summary: { created: string; source: RecordSource } },
  author?: string,
): { resource: FhirResource; recordedBy?: string; recordedAt: string } {
  const own = ownProvenance(record.resource)
  const recordedBy = author ?? own.recordedBy
  return { resource: record.resource, recordedAt: own.recordedAt ?? record.summary.created, ...(recordedBy ? { recordedBy } : {}) }
}
