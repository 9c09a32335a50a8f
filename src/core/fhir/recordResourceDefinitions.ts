import { backbone, code, type StructureDefinition } from './elementDefinitions.ts'

const bundleTypes = [
  'document', 'message', 'transaction', 'transaction-response', 'batch', 'batch-response',
  'history', 'searchset', 'collection',
]

/** The most entries one Bundle may carry; more is a denial-of-service, not a record. */
export const maxBundleEntries = 10_000

const bundleEntry = {
  link: '#Bundle.link*',
  fullUrl: 'uri',
  resource: 'Resource',
  search: backbone({ mode: code(['match', 'include', 'outcome']), score: 'decimal' }),
  request: backbone({
    method: code(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'], '!'),
    url: 'uri!',
    ifNoneMatch: 'string',
    ifModifiedSince: 'instant',
    ifMatch: 'string',
    ifNoneExist: 'string',
  }),
  response: backbone({ status: 'string!', location: 'uri', etag: 'string', lastModified: 'instant', outcome: 'Resource' }),
}

const person = {
  identifier: 'Identifier*',
  active: 'boolean',
  name: 'HumanName*',
  telecom: 'ContactPoint*',
  address: 'Address*',
  gender: code(['male', 'female', 'other', 'unknown']),
  birthDate: 'date',
  photo: 'Attachment*',
}

/** R4 document, people and administrative resources found in IPS documents. */
export const recordResourceDefinitions: Record<string, StructureDefinition> = {
  Bundle: {
    elements: {
      identifier: 'Identifier',
      type: code(bundleTypes, '!'),
      timestamp: 'instant',
      total: 'unsignedInt',
      link: '#Bundle.link*',
      entry: { kind: 'backbone', elements: bundleEntry, card: '*', maxItems: maxBundleEntries, invariants: [
        (value) => (value.resource ?? value.request ?? value.response ? undefined : { reason: 'must have a resource, a request or a response (bdl-5)' }),
        (value) => (typeof value.fullUrl === 'string' && value.fullUrl.includes('/_history/') ? { at: 'fullUrl', reason: 'must not be a version-specific URL (bdl-8)' } : undefined),
      ] },
      signature: 'Signature',
    },
    invariants: [
      (value) => {
        if (value.type !== 'document') return undefined
        const identifier = value.identifier as { system?: unknown; value?: unknown } | undefined
        if (!identifier?.system || !identifier.value) return { at: 'identifier', reason: 'must have a system and a value in a document (bdl-9)' }
        if (value.timestamp === undefined) return { at: 'timestamp', reason: 'is required in a document (bdl-10)' }
        return undefined
      },
      (value) => {
        const entries = Array.isArray(value.entry) ? (value.entry as { fullUrl?: unknown; resource?: { resourceType?: unknown; meta?: { versionId?: unknown } } }[]) : []
        if (value.type === 'document' && entries.length > 0 && entries[0]?.resource?.resourceType !== 'Composition') {
          return { at: 'entry[0].resource', reason: 'must be a Composition in a document (bdl-11)' }
        }
        const seen = new Set<string>()
        for (const [index, entry] of entries.entries()) {
          if (typeof entry.fullUrl !== 'string') continue
          const key = `${entry.fullUrl} ${String(entry.resource?.meta?.versionId ?? '')}`
          if (seen.has(key)) return { at: `entry[${index}].fullUrl`, reason: 'repeats the fullUrl of an earlier entry (bdl-7)' }
          seen.add(key)
        }
        return undefined
      },
      (value) => (value.total !== undefined && value.type !== 'searchset' && value.type !== 'history' ? { at: 'total', reason: 'is only allowed in a search set or history (bdl-1)' } : undefined),
    ],
  },
  'Bundle.link': { elements: { relation: 'string!', url: 'uri!' } },
  Patient: {
    elements: {
      ...person,
      'deceased[x]': 'boolean|dateTime',
      maritalStatus: 'CodeableConcept',
      'multipleBirth[x]': 'boolean|integer',
      contact: backbone(
        {
          relationship: 'CodeableConcept*',
          name: 'HumanName',
          telecom: 'ContactPoint*',
          address: 'Address',
          gender: code(['male', 'female', 'other', 'unknown']),
          organization: 'Reference',
          period: 'Period',
        },
        '*',
        [(value) => (value.name ?? value.telecom ?? value.address ?? value.organization ? undefined : { reason: 'must have a name, contact detail, address or organization (pat-1)' })],
      ),
      communication: backbone({ language: 'CodeableConcept!', preferred: 'boolean' }, '*'),
      generalPractitioner: 'Reference*',
      managingOrganization: 'Reference',
      link: backbone({ other: 'Reference!', type: code(['replaced-by', 'replaces', 'refer', 'seealso'], '!') }, '*'),
    },
  },
  Practitioner: {
    elements: {
      ...person,
      qualification: backbone({ identifier: 'Identifier*', code: 'CodeableConcept!', period: 'Period', issuer: 'Reference' }, '*'),
      communication: 'CodeableConcept*',
    },
  },
  PractitionerRole: {
    elements: {
      identifier: 'Identifier*',
      active: 'boolean',
      period: 'Period',
      practitioner: 'Reference',
      organization: 'Reference',
      code: 'CodeableConcept*',
      specialty: 'CodeableConcept*',
      location: 'Reference*',
      healthcareService: 'Reference*',
      telecom: 'ContactPoint*',
      availableTime: backbone(
        {
          daysOfWeek: code(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], '*'),
          allDay: 'boolean',
          availableStartTime: 'time',
          availableEndTime: 'time',
        },
        '*',
      ),
      notAvailable: backbone({ description: 'string!', during: 'Period' }, '*'),
      availabilityExceptions: 'string',
      endpoint: 'Reference*',
    },
  },
  Organization: {
    elements: {
      identifier: 'Identifier*',
      active: 'boolean',
      type: 'CodeableConcept*',
      name: 'string',
      alias: 'string*',
      telecom: 'ContactPoint*',
      address: 'Address*',
      partOf: 'Reference',
      contact: backbone({ purpose: 'CodeableConcept', name: 'HumanName', telecom: 'ContactPoint*', address: 'Address' }, '*'),
      endpoint: 'Reference*',
    },
    invariants: [(value) => (value.identifier ?? value.name ? undefined : { reason: 'must have an identifier or a name (org-1)' })],
  },
  Composition: {
    elements: {
      identifier: 'Identifier',
      status: code(['preliminary', 'final', 'amended', 'entered-in-error'], '!'),
      type: 'CodeableConcept!',
      category: 'CodeableConcept*',
      subject: 'Reference',
      encounter: 'Reference',
      date: 'dateTime!',
      author: 'Reference+',
      title: 'string!',
      confidentiality: code(['U', 'L', 'M', 'N', 'R', 'V']),
      attester: backbone({ mode: code(['personal', 'professional', 'legal', 'official'], '!'), time: 'dateTime', party: 'Reference' }, '*'),
      custodian: 'Reference',
      relatesTo: backbone({ code: code(['replaces', 'transforms', 'signs', 'appends'], '!'), 'target[x]': 'Identifier|Reference!' }, '*'),
      event: backbone({ code: 'CodeableConcept*', period: 'Period', detail: 'Reference*' }, '*'),
      section: '#Composition.section*',
    },
  },
  'Composition.section': {
    elements: {
      title: 'string',
      code: 'CodeableConcept',
      author: 'Reference*',
      focus: 'Reference',
      text: 'Narrative',
      mode: code(['working', 'snapshot', 'changes']),
      orderedBy: 'CodeableConcept',
      entry: 'Reference*',
      emptyReason: 'CodeableConcept',
      section: '#Composition.section*',
    },
    invariants: [
      (value) => (value.text ?? value.entry ?? value.section ? undefined : { reason: 'must have a text, entries or sub-sections (cmp-1)' }),
      (value) => (value.emptyReason !== undefined && value.entry !== undefined ? { at: 'emptyReason', reason: 'is only allowed when the section has no entries (cmp-2)' } : undefined),
    ],
  },
  DocumentReference: {
    elements: {
      masterIdentifier: 'Identifier',
      identifier: 'Identifier*',
      status: code(['current', 'superseded', 'entered-in-error'], '!'),
      docStatus: code(['preliminary', 'final', 'amended', 'entered-in-error']),
      type: 'CodeableConcept',
      category: 'CodeableConcept*',
      subject: 'Reference',
      date: 'instant',
      author: 'Reference*',
      authenticator: 'Reference',
      custodian: 'Reference',
      relatesTo: backbone({ code: code(['replaces', 'transforms', 'signs', 'appends'], '!'), target: 'Reference!' }, '*'),
      description: 'string',
      securityLabel: 'CodeableConcept*',
      content: backbone({ attachment: 'Attachment!', format: 'Coding' }, '+'),
      context: backbone({
        encounter: 'Reference*',
        event: 'CodeableConcept*',
        period: 'Period',
        facilityType: 'CodeableConcept',
        practiceSetting: 'CodeableConcept',
        sourcePatientInfo: 'Reference',
        related: 'Reference*',
      }),
    },
  },
  Device: {
    elements: {
      identifier: 'Identifier*',
      definition: 'Reference',
      udiCarrier: backbone(
        {
          deviceIdentifier: 'string',
          issuer: 'uri',
          jurisdiction: 'uri',
          carrierAIDC: 'base64Binary',
          carrierHRF: 'string',
          entryType: code(['barcode', 'rfid', 'manual', 'card', 'self-reported', 'unknown']),
        },
        '*',
      ),
      status: code(['active', 'inactive', 'entered-in-error', 'unknown']),
      statusReason: 'CodeableConcept*',
      distinctIdentifier: 'string',
      manufacturer: 'string',
      manufactureDate: 'dateTime',
      expirationDate: 'dateTime',
      lotNumber: 'string',
      serialNumber: 'string',
      deviceName: backbone(
        {
          name: 'string!',
          type: code(['udi-label-name', 'user-friendly-name', 'patient-reported-name', 'manufacturer-name', 'model-name', 'other'], '!'),
        },
        '*',
      ),
      modelNumber: 'string',
      partNumber: 'string',
      type: 'CodeableConcept',
      specialization: backbone({ systemType: 'CodeableConcept!', version: 'string' }, '*'),
      version: backbone({ type: 'CodeableConcept', component: 'Identifier', value: 'string!' }, '*'),
      property: backbone({ type: 'CodeableConcept!', valueQuantity: 'Quantity*', valueCode: 'CodeableConcept*' }, '*'),
      patient: 'Reference',
      owner: 'Reference',
      contact: 'ContactPoint*',
      location: 'Reference',
      url: 'uri',
      note: 'Annotation*',
      safety: 'CodeableConcept*',
      parent: 'Reference',
    },
  },
  Consent: {
    elements: {
      identifier: 'Identifier*',
      status: code(['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'], '!'),
      scope: 'CodeableConcept!',
      category: 'CodeableConcept+',
      patient: 'Reference',
      dateTime: 'dateTime',
      performer: 'Reference*',
      organization: 'Reference*',
      'source[x]': 'Attachment|Reference',
      policy: backbone({ authority: 'uri', uri: 'uri' }, '*'),
      policyRule: 'CodeableConcept',
      verification: backbone({ verified: 'boolean!', verifiedWith: 'Reference', verificationDate: 'dateTime' }, '*'),
      provision: '#Consent.provision',
    },
  },
  'Consent.provision': {
    elements: {
      type: code(['deny', 'permit']),
      period: 'Period',
      actor: backbone({ role: 'CodeableConcept!', reference: 'Reference!' }, '*'),
      action: 'CodeableConcept*',
      securityLabel: 'Coding*',
      purpose: 'Coding*',
      class: 'Coding*',
      code: 'CodeableConcept*',
      dataPeriod: 'Period',
      data: backbone({ meaning: code(['instance', 'related', 'dependents', 'authoredby'], '!'), reference: 'Reference!' }, '*'),
      provision: '#Consent.provision*',
    },
  },
  Binary: {
    elements: { contentType: 'code!', securityContext: 'Reference', data: 'base64Binary' },
  },
}
