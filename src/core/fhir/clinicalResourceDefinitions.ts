import {
  backbone,
  bound,
  code,
  codingCode,
  hasAnyKey,
  type StructureDefinition,
} from './elementDefinitions.ts'

const allergyClinical = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical'
const allergyVerification = 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification'
const conditionClinical = 'http://terminology.hl7.org/CodeSystem/condition-clinical'
const conditionVerification = 'http://terminology.hl7.org/CodeSystem/condition-ver-status'

const onset = 'dateTime|Age|Period|Range|string'
const observationValue = 'Quantity|CodeableConcept|string|boolean|integer|Range|Ratio|SampledData|time|dateTime|Period'

/** ait-1/ait-2, con-3/con-5: a record in error has no clinical status; any other needs one. */
function statusAgreesWithVerification(verificationSystem: string, requireClinical: boolean) {
  return (value: Record<string, unknown>) => {
    const inError = codingCode(value.verificationStatus, verificationSystem) === 'entered-in-error'
    if (inError && value.clinicalStatus !== undefined) return { at: 'clinicalStatus', reason: 'must be absent when the record was entered in error' }
    if (requireClinical && !inError && value.clinicalStatus === undefined) return { at: 'clinicalStatus', reason: 'is required unless the record was entered in error' }
    return undefined
  }
}

const referenceRange = backbone(
  { low: 'SimpleQuantity', high: 'SimpleQuantity', type: 'CodeableConcept', appliesTo: 'CodeableConcept*', age: 'Range', text: 'string' },
  '*',
  [(value) => (value.low ?? value.high ?? value.text ? undefined : { reason: 'must have a low, a high or a text (obs-3)' })],
)

// obs-6: a reason for a missing value makes no sense next to a value.
const valueOrAbsentReason = (value: Record<string, unknown>) =>
  hasAnyKey(value, 'value') && value.dataAbsentReason !== undefined
    ? { at: 'dataAbsentReason', reason: 'must be absent when a value is given (obs-6)' }
    : undefined

/** R4 clinical resources the vault holds (https://hl7.org/fhir/R4/<type>.html). */
export const clinicalResourceDefinitions: Record<string, StructureDefinition> = {
  AllergyIntolerance: {
    elements: {
      identifier: 'Identifier*',
      clinicalStatus: bound(allergyClinical, ['active', 'inactive', 'resolved']),
      verificationStatus: bound(allergyVerification, ['unconfirmed', 'confirmed', 'refuted', 'entered-in-error']),
      type: code(['allergy', 'intolerance']),
      category: code(['food', 'medication', 'environment', 'biologic'], '*'),
      criticality: code(['low', 'high', 'unable-to-assess']),
      code: 'CodeableConcept',
      patient: 'Reference!',
      encounter: 'Reference',
      'onset[x]': onset,
      recordedDate: 'dateTime',
      recorder: 'Reference',
      asserter: 'Reference',
      lastOccurrence: 'dateTime',
      note: 'Annotation*',
      reaction: backbone(
        {
          substance: 'CodeableConcept',
          manifestation: 'CodeableConcept+',
          description: 'string',
          onset: 'dateTime',
          severity: code(['mild', 'moderate', 'severe']),
          exposureRoute: 'CodeableConcept',
          note: 'Annotation*',
        },
        '*',
      ),
    },
    invariants: [statusAgreesWithVerification(allergyVerification, true)],
  },
  Condition: {
    elements: {
      identifier: 'Identifier*',
      clinicalStatus: bound(conditionClinical, ['active', 'recurrence', 'relapse', 'inactive', 'remission', 'resolved']),
      verificationStatus: bound(conditionVerification, ['unconfirmed', 'provisional', 'differential', 'confirmed', 'refuted', 'entered-in-error']),
      category: 'CodeableConcept*',
      severity: 'CodeableConcept',
      code: 'CodeableConcept',
      bodySite: 'CodeableConcept*',
      subject: 'Reference!',
      encounter: 'Reference',
      'onset[x]': onset,
      'abatement[x]': onset,
      recordedDate: 'dateTime',
      recorder: 'Reference',
      asserter: 'Reference',
      stage: backbone({ summary: 'CodeableConcept', assessment: 'Reference*', type: 'CodeableConcept' }, '*'),
      evidence: backbone({ code: 'CodeableConcept*', detail: 'Reference*' }, '*'),
      note: 'Annotation*',
    },
    invariants: [
      statusAgreesWithVerification(conditionVerification, false),
      (value) => {
        // con-4: an abated condition is no longer active.
        const status = codingCode(value.clinicalStatus, conditionClinical)
        if (!hasAnyKey(value, 'abatement') || status === undefined) return undefined
        return ['inactive', 'resolved', 'remission'].includes(status)
          ? undefined
          : { at: 'clinicalStatus', reason: 'must be inactive, resolved or remission when an abatement is given (con-4)' }
      },
    ],
  },
  MedicationStatement: {
    elements: {
      identifier: 'Identifier*',
      basedOn: 'Reference*',
      partOf: 'Reference*',
      status: code(['active', 'completed', 'entered-in-error', 'intended', 'stopped', 'on-hold', 'unknown', 'not-taken'], '!'),
      statusReason: 'CodeableConcept*',
      category: 'CodeableConcept',
      'medication[x]': 'CodeableConcept|Reference!',
      subject: 'Reference!',
      context: 'Reference',
      'effective[x]': 'dateTime|Period',
      dateAsserted: 'dateTime',
      informationSource: 'Reference',
      derivedFrom: 'Reference*',
      reasonCode: 'CodeableConcept*',
      reasonReference: 'Reference*',
      note: 'Annotation*',
      dosage: 'Dosage*',
    },
  },
  MedicationRequest: {
    elements: {
      identifier: 'Identifier*',
      status: code(['active', 'on-hold', 'cancelled', 'completed', 'entered-in-error', 'stopped', 'draft', 'unknown'], '!'),
      statusReason: 'CodeableConcept',
      intent: code(['proposal', 'plan', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'option'], '!'),
      category: 'CodeableConcept*',
      priority: code(['routine', 'urgent', 'asap', 'stat']),
      doNotPerform: 'boolean',
      'reported[x]': 'boolean|Reference',
      'medication[x]': 'CodeableConcept|Reference!',
      subject: 'Reference!',
      encounter: 'Reference',
      supportingInformation: 'Reference*',
      authoredOn: 'dateTime',
      requester: 'Reference',
      performer: 'Reference',
      performerType: 'CodeableConcept',
      recorder: 'Reference',
      reasonCode: 'CodeableConcept*',
      reasonReference: 'Reference*',
      instantiatesCanonical: 'canonical*',
      instantiatesUri: 'uri*',
      basedOn: 'Reference*',
      groupIdentifier: 'Identifier',
      courseOfTherapyType: 'CodeableConcept',
      insurance: 'Reference*',
      note: 'Annotation*',
      dosageInstruction: 'Dosage*',
      dispenseRequest: backbone({
        initialFill: backbone({ quantity: 'SimpleQuantity', duration: 'Duration' }),
        dispenseInterval: 'Duration',
        validityPeriod: 'Period',
        numberOfRepeatsAllowed: 'unsignedInt',
        quantity: 'SimpleQuantity',
        expectedSupplyDuration: 'Duration',
        performer: 'Reference',
      }),
      substitution: backbone({ 'allowed[x]': 'boolean|CodeableConcept!', reason: 'CodeableConcept' }),
      priorPrescription: 'Reference',
      detectedIssue: 'Reference*',
      eventHistory: 'Reference*',
    },
  },
  Medication: {
    elements: {
      identifier: 'Identifier*',
      code: 'CodeableConcept',
      status: code(['active', 'inactive', 'entered-in-error']),
      manufacturer: 'Reference',
      form: 'CodeableConcept',
      amount: 'Ratio',
      ingredient: backbone({ 'item[x]': 'CodeableConcept|Reference!', isActive: 'boolean', strength: 'Ratio' }, '*'),
      batch: backbone({ lotNumber: 'string', expirationDate: 'dateTime' }),
    },
  },
  Observation: {
    elements: {
      identifier: 'Identifier*',
      basedOn: 'Reference*',
      partOf: 'Reference*',
      status: code(['registered', 'preliminary', 'final', 'amended', 'corrected', 'cancelled', 'entered-in-error', 'unknown'], '!'),
      category: 'CodeableConcept*',
      code: 'CodeableConcept!',
      subject: 'Reference',
      focus: 'Reference*',
      encounter: 'Reference',
      'effective[x]': 'dateTime|Period|Timing|instant',
      issued: 'instant',
      performer: 'Reference*',
      'value[x]': observationValue,
      dataAbsentReason: 'CodeableConcept',
      interpretation: 'CodeableConcept*',
      note: 'Annotation*',
      bodySite: 'CodeableConcept',
      method: 'CodeableConcept',
      specimen: 'Reference',
      device: 'Reference',
      referenceRange,
      hasMember: 'Reference*',
      derivedFrom: 'Reference*',
      component: backbone(
        {
          code: 'CodeableConcept!',
          'value[x]': observationValue,
          dataAbsentReason: 'CodeableConcept',
          interpretation: 'CodeableConcept*',
          referenceRange,
        },
        '*',
        [valueOrAbsentReason],
      ),
    },
    invariants: [valueOrAbsentReason],
  },
  Immunization: {
    elements: {
      identifier: 'Identifier*',
      status: code(['completed', 'entered-in-error', 'not-done'], '!'),
      statusReason: 'CodeableConcept',
      vaccineCode: 'CodeableConcept!',
      patient: 'Reference!',
      encounter: 'Reference',
      'occurrence[x]': 'dateTime|string!',
      recorded: 'dateTime',
      primarySource: 'boolean',
      reportOrigin: 'CodeableConcept',
      location: 'Reference',
      manufacturer: 'Reference',
      lotNumber: 'string',
      expirationDate: 'date',
      site: 'CodeableConcept',
      route: 'CodeableConcept',
      doseQuantity: 'SimpleQuantity',
      performer: backbone({ function: 'CodeableConcept', actor: 'Reference!' }, '*'),
      note: 'Annotation*',
      reasonCode: 'CodeableConcept*',
      reasonReference: 'Reference*',
      isSubpotent: 'boolean',
      subpotentReason: 'CodeableConcept*',
      education: backbone({ documentType: 'string', reference: 'uri', publicationDate: 'dateTime', presentationDate: 'dateTime' }, '*'),
      programEligibility: 'CodeableConcept*',
      fundingSource: 'CodeableConcept',
      reaction: backbone({ date: 'dateTime', detail: 'Reference', reported: 'boolean' }, '*'),
      protocolApplied: backbone(
        {
          series: 'string',
          authority: 'Reference',
          targetDisease: 'CodeableConcept*',
          'doseNumber[x]': 'positiveInt|string!',
          'seriesDoses[x]': 'positiveInt|string',
        },
        '*',
      ),
    },
  },
  Procedure: {
    elements: {
      identifier: 'Identifier*',
      instantiatesCanonical: 'canonical*',
      instantiatesUri: 'uri*',
      basedOn: 'Reference*',
      partOf: 'Reference*',
      status: code(['preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'entered-in-error', 'unknown'], '!'),
      statusReason: 'CodeableConcept',
      category: 'CodeableConcept',
      code: 'CodeableConcept',
      subject: 'Reference!',
      encounter: 'Reference',
      'performed[x]': 'dateTime|Period|string|Age|Range',
      recorder: 'Reference',
      asserter: 'Reference',
      performer: backbone({ function: 'CodeableConcept', actor: 'Reference!', onBehalfOf: 'Reference' }, '*'),
      location: 'Reference',
      reasonCode: 'CodeableConcept*',
      reasonReference: 'Reference*',
      bodySite: 'CodeableConcept*',
      outcome: 'CodeableConcept',
      report: 'Reference*',
      complication: 'CodeableConcept*',
      complicationDetail: 'Reference*',
      followUp: 'CodeableConcept*',
      note: 'Annotation*',
      focalDevice: backbone({ action: 'CodeableConcept', manipulated: 'Reference!' }, '*'),
      usedReference: 'Reference*',
      usedCode: 'CodeableConcept*',
    },
  },
}
