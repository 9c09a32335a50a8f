import { buildAllergy, buildCondition, buildImmunization, buildLabResult, buildMedication, buildNote } from '../../core/fhir/recordForms.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { RecordKind } from './recordKinds.ts'
import type { FormValues } from './validateRecordForm.ts'

/** Form values (already checked by validateRecordForm) → FHIR R4, through core's builders. */
export function buildFormResource(kind: RecordKind, values: FormValues): FhirResource {
  const text = (name: string) => {
    const value = values[name]?.trim()
    return value ? value : undefined
  }
  const date = text('date')
  switch (kind) {
    case 'allergy':
      return buildAllergy({ substance: text('substance') ?? '', reaction: text('reaction'), severity: text('severity'), date })
    case 'medication':
      return buildMedication({ medication: text('medication') ?? '', dosage: text('dosage'), date })
    case 'condition':
      return buildCondition({ condition: text('condition') ?? '', status: text('status'), date })
    case 'labResult':
      return buildLabResult({ test: text('test') ?? '', value: Number(text('value')), unit: text('unit'), date: date ?? '' })
    case 'immunization':
      return buildImmunization({ vaccine: text('vaccine') ?? '', date: date ?? '' })
    case 'note':
      return buildNote({ title: text('title') ?? '', text: text('text'), date })
  }
}
