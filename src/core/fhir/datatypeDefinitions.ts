import { code, type StructureDefinition } from './elementDefinitions.ts'
import { dateTimeBound } from './primitives.ts'

const quantityElements = {
  value: 'decimal',
  comparator: code(['<', '<=', '>=', '>']),
  unit: 'string',
  system: 'uri',
  code: 'code',
}

// qty-3: a coded unit is meaningless without its code system.
const quantity: StructureDefinition = {
  elements: quantityElements,
  invariants: [(value) => (value.code !== undefined && value.system === undefined ? { at: 'system', reason: 'is required when a unit code is given (qty-3)' } : undefined)],
}
const { comparator: _comparator, ...simpleQuantityElements } = quantityElements

const fourteenHours = 14 * 3_600_000

/** FHIR R4 general-purpose datatypes (https://hl7.org/fhir/R4/datatypes.html). */
export const datatypeDefinitions: Record<string, StructureDefinition> = {
  Extension: {
    // value[x] is open in R4: every primitive and general datatype; others get generic checks.
    elements: {
      url: 'uri!',
      'value[x]':
        'base64Binary|boolean|canonical|code|date|dateTime|decimal|id|instant|integer|markdown|oid|positiveInt|string|time|unsignedInt|uri|url|uuid|Address|Age|Annotation|Attachment|CodeableConcept|Coding|ContactPoint|Count|Distance|Duration|HumanName|Identifier|Money|Period|Quantity|Range|Ratio|Reference|SampledData|Signature|Timing|ContactDetail|Contributor|DataRequirement|Expression|ParameterDefinition|RelatedArtifact|TriggerDefinition|UsageContext|Dosage|Meta',
    },
    invariants: [
      (value) => {
        const hasValue = Object.keys(value).some((key) => /^value[A-Z]/.test(key))
        if (hasValue === (value.extension !== undefined)) return { reason: 'must have either a value or nested extensions, not both (ext-1)' }
        return undefined
      },
    ],
  },
  Coding: { elements: { system: 'uri', version: 'string', code: 'code', display: 'string', userSelected: 'boolean' } },
  CodeableConcept: { elements: { coding: 'Coding*', text: 'string' } },
  Quantity: quantity,
  SimpleQuantity: { elements: simpleQuantityElements, invariants: quantity.invariants },
  Age: quantity,
  Duration: quantity,
  Count: quantity,
  Distance: quantity,
  Money: { elements: { value: 'decimal', currency: 'code' } },
  Range: { elements: { low: 'SimpleQuantity', high: 'SimpleQuantity' } },
  Ratio: { elements: { numerator: 'Quantity', denominator: 'Quantity' } },
  Period: {
    elements: { start: 'dateTime', end: 'dateTime' },
    invariants: [
      (value) => {
        if (typeof value.start !== 'string' || typeof value.end !== 'string') return undefined
        // A date-only bound has no zone; against a zoned time it may be 14 hours off.
        const slack = value.start.includes('T') === value.end.includes('T') ? 0 : fourteenHours
        return dateTimeBound(value.start, 'earliest') > dateTimeBound(value.end, 'latest') + slack
          ? { at: 'end', reason: 'is before the start (per-1)' }
          : undefined
      },
    ],
  },
  Reference: {
    elements: { reference: 'string', type: 'uri', identifier: 'Identifier', display: 'string' },
    invariants: [
      (value) => {
        const target = value.reference
        if (typeof target !== 'string') return undefined
        // ref-1: local '#id', relative 'Type/id[/_history/v]', or an absolute URI; also a
        // conditional reference 'Type?identifier=system|value' (Synthea writes them; valid in R4).
        if (/^#[A-Za-z0-9\-.]{1,64}$/.test(target)) return undefined
        if (/^[A-Z][A-Za-z]+\?\S+$/.test(target)) return undefined
        if (/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.test(target)) return undefined
        if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(target)) return undefined
        return { at: 'reference', reason: `${JSON.stringify(target.slice(0, 60))} is not a FHIR reference (expected Type/id, #id, Type?search or an absolute URL)` }
      },
    ],
  },
  Identifier: {
    elements: {
      use: code(['usual', 'official', 'temp', 'secondary', 'old']),
      type: 'CodeableConcept',
      system: 'uri',
      value: 'string',
      period: 'Period',
      assigner: 'Reference',
    },
  },
  Attachment: {
    elements: {
      contentType: 'code',
      language: 'code',
      data: 'base64Binary',
      url: 'url',
      size: 'unsignedInt',
      hash: 'base64Binary',
      title: 'string',
      creation: 'dateTime',
    },
    invariants: [(value) => (value.data !== undefined && value.contentType === undefined ? { at: 'contentType', reason: 'is required when data is given (att-1)' } : undefined)],
  },
  Annotation: { elements: { 'author[x]': 'Reference|string', time: 'dateTime', text: 'markdown!' } },
  HumanName: {
    elements: {
      use: code(['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden']),
      text: 'string',
      family: 'string',
      given: 'string*',
      prefix: 'string*',
      suffix: 'string*',
      period: 'Period',
    },
  },
  Address: {
    elements: {
      use: code(['home', 'work', 'temp', 'old', 'billing']),
      type: code(['postal', 'physical', 'both']),
      text: 'string',
      line: 'string*',
      city: 'string',
      district: 'string',
      state: 'string',
      postalCode: 'string',
      country: 'string',
      period: 'Period',
    },
  },
  ContactPoint: {
    elements: {
      system: code(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']),
      value: 'string',
      use: code(['home', 'work', 'temp', 'old', 'mobile']),
      rank: 'positiveInt',
      period: 'Period',
    },
    invariants: [(value) => (value.value !== undefined && value.system === undefined ? { at: 'system', reason: 'is required when a value is given (cpt-2)' } : undefined)],
  },
  ContactDetail: { elements: { name: 'string', telecom: 'ContactPoint*' } },
  Narrative: {
    elements: { status: code(['generated', 'extensions', 'additional', 'empty'], '!'), div: 'xhtml!' },
  },
  Meta: {
    elements: {
      versionId: 'id',
      lastUpdated: 'instant',
      source: 'uri',
      profile: 'canonical*',
      security: 'Coding*',
      tag: 'Coding*',
    },
  },
  Signature: {
    elements: {
      type: 'Coding+',
      when: 'instant!',
      who: 'Reference!',
      onBehalfOf: 'Reference',
      targetFormat: 'code',
      sigFormat: 'code',
      data: 'base64Binary',
    },
  },
  SampledData: {
    elements: {
      origin: 'SimpleQuantity!',
      period: 'decimal!',
      factor: 'decimal',
      lowerLimit: 'decimal',
      upperLimit: 'decimal',
      dimensions: 'positiveInt!',
      data: 'string',
    },
  },
  Timing: { elements: { event: 'dateTime*', repeat: '#Timing.repeat', code: 'CodeableConcept' } },
  'Timing.repeat': {
    elements: {
      'bounds[x]': 'Duration|Range|Period',
      count: 'positiveInt',
      countMax: 'positiveInt',
      duration: 'decimal',
      durationMax: 'decimal',
      durationUnit: code(['s', 'min', 'h', 'd', 'wk', 'mo', 'a']),
      frequency: 'positiveInt',
      frequencyMax: 'positiveInt',
      period: 'decimal',
      periodMax: 'decimal',
      periodUnit: code(['s', 'min', 'h', 'd', 'wk', 'mo', 'a']),
      dayOfWeek: code(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], '*'),
      timeOfDay: 'time*',
      when: 'code*',
      offset: 'unsignedInt',
    },
  },
  Dosage: {
    elements: {
      sequence: 'integer',
      text: 'string',
      additionalInstruction: 'CodeableConcept*',
      patientInstruction: 'string',
      timing: 'Timing',
      'asNeeded[x]': 'boolean|CodeableConcept',
      site: 'CodeableConcept',
      route: 'CodeableConcept',
      method: 'CodeableConcept',
      doseAndRate: '#Dosage.doseAndRate*',
      maxDosePerPeriod: 'Ratio',
      maxDosePerAdministration: 'SimpleQuantity',
      maxDosePerLifetime: 'SimpleQuantity',
    },
  },
  'Dosage.doseAndRate': {
    elements: {
      type: 'CodeableConcept',
      'dose[x]': 'Range|SimpleQuantity',
      'rate[x]': 'Ratio|Range|SimpleQuantity',
    },
  },
}
