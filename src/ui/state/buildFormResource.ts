import { buildAllergy, buildCondition, buildImmunization, buildLabResult, buildMedication, buildNote } from '../../core/fhir/recordForms.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { RecordKind } from './recordKinds.ts'
import type { FileInfo, FormValues } from './validateRecordForm.ts'

/** Form values (checked by validateRecordForm) → FHIR R4 through core's builders, which check again and name the field. */
export function buildFormResource(kind: RecordKind, values: FormValues, file?: FileInfo): FhirResource {
  const text = (name: string) => {
    const value = values[name]?.trim()
    return value ? value : undefined
  }
  const required = (name: string) => text(name) ?? ''
  switch (kind) {
    case 'allergy':
      return buildAllergy({ substance: required('substance'), reaction: text('reaction'), severity: text('severity'), onset: text('onset') })
    case 'medication':
      return buildMedication({ name: required('name'), dose: text('dose'), frequency: text('frequency'), start: text('start') })
    case 'condition':
      return buildCondition({ name: required('name'), clinicalStatus: text('clinicalStatus'), onset: text('onset') })
    case 'labResult':
      return buildLabResult({ test: required('test'), value: Number(required('value')), unit: required('unit'), date: required('date') })
    case 'immunization':
      return buildImmunization({ vaccine: required('vaccine'), date: required('date'), lotNumber: text('lotNumber') })
    case 'note':
      return buildNote({
        title: required('title'),
        text: required('text'),
        date: text('date'),
        ...(file ? { attachment: { contentType: file.type || 'application/octet-stream', size: file.size, title: file.name } } : {}),
      })
  }
}
