import {
  addressText, annotationsText, asList, asObject, byteSizeText, choiceDate, choiceText, conceptText,
  conceptsText, contactPointText, dosageText, humanNameText, joined, periodText, rangeText, text,
} from './fhirText.ts'

export type Field = { label: string; value: string }
export type Description = { title: string; date?: string; fields: Field[] }
type Json = Record<string, unknown>
/** Names a Reference: its display, the contained resource it points to (`#id`), or the reference itself. */
export type ReferenceNamer = (value: unknown) => string | undefined
export type Describer = (resource: Json, ref: ReferenceNamer) => { title: string | undefined; date: string | undefined; fields: [string, string | undefined][] }

const status = (value: unknown) => conceptText(value) ?? text(value)

export function medicationName(resource: Json, ref: ReferenceNamer): string | undefined {
  return conceptText(resource.medicationCodeableConcept) ?? ref(resource.medicationReference)
}

/** A text/plain note stored inline (as buildNote writes it), decoded for reading. */
export function inlineText(attachment: Json | undefined): string | undefined {
  if (!attachment || typeof attachment.data !== 'string' || !String(attachment.contentType).startsWith('text/plain')) return undefined
  try {
    const bytes = Uint8Array.from(atob(attachment.data.replace(/\s+/g, '')), (char) => char.charCodeAt(0))
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return undefined
  }
}

function attachmentText(attachment: Json | undefined): string | undefined {
  if (!attachment) return undefined
  const size = typeof attachment.size === 'number' ? byteSizeText(attachment.size) : undefined
  return joined([text(attachment.title) ?? text(attachment.url), text(attachment.contentType), size])
}

/** One view per resource type the vault commonly holds. */
export const resourceDescribers: Record<string, Describer> = {
  AllergyIntolerance: (r, ref) => ({
    title: conceptText(r.code),
    date: choiceDate(r, 'onset') ?? text(r.recordedDate),
    fields: [
      ['Substance', conceptText(r.code)],
      ['Type', text(r.type)],
      ['Category', joined(asList(r.category).map(text))],
      ['Criticality', text(r.criticality)],
      ['Status', status(r.clinicalStatus)],
      ['Verification', status(r.verificationStatus)],
      ['Onset', choiceText(r, 'onset')],
      ...asList(r.reaction).map(asObject).map((reaction): [string, string | undefined] => [
        'Reaction',
        joined([
          conceptsText(reaction?.manifestation),
          reaction?.severity ? `${String(reaction.severity)} severity` : undefined,
          conceptText(reaction?.substance) ? `to ${conceptText(reaction?.substance)}` : undefined,
          text(reaction?.description),
        ]),
      ]),
      ['Last occurrence', text(r.lastOccurrence)],
      ['Note', annotationsText(r.note)],
    ],
  }),
  Condition: (r, ref) => ({
    title: conceptText(r.code),
    date: choiceDate(r, 'onset') ?? text(r.recordedDate),
    fields: [
      ['Condition', conceptText(r.code)],
      ['Status', status(r.clinicalStatus)],
      ['Verification', status(r.verificationStatus)],
      ['Severity', conceptText(r.severity)],
      ['Category', conceptsText(r.category)],
      ['Body site', conceptsText(r.bodySite)],
      ['Onset', choiceText(r, 'onset')],
      ['Ended', choiceText(r, 'abatement')],
      ['Recorded', text(r.recordedDate)],
      ['Note', annotationsText(r.note)],
    ],
  }),
  MedicationStatement: (r, ref) => ({
    title: medicationName(r, ref),
    date: choiceDate(r, 'effective') ?? text(r.dateAsserted),
    fields: [
      ['Medication', medicationName(r, ref)],
      ['Status', text(r.status)],
      ['Dosage', joined(asList(r.dosage).map(dosageText), '; ')],
      ['Taken', choiceText(r, 'effective')],
      ['Reason', conceptsText(r.reasonCode)],
      ['Note', annotationsText(r.note)],
    ],
  }),
  MedicationRequest: (r, ref) => ({
    title: medicationName(r, ref),
    date: text(r.authoredOn) ?? text(asObject(asObject(r.dispenseRequest)?.validityPeriod)?.start),
    fields: [
      ['Medication', medicationName(r, ref)],
      ['Status', text(r.status)],
      ['Intent', text(r.intent)],
      ['Dosage', joined(asList(r.dosageInstruction).map(dosageText), '; ')],
      ['Prescribed', text(r.authoredOn)],
      ['Prescriber', ref(r.requester)],
      ['Valid', periodText(asObject(r.dispenseRequest)?.validityPeriod)],
      ['Reason', conceptsText(r.reasonCode)],
      ['Note', annotationsText(r.note)],
    ],
  }),
  Medication: (r, ref) => ({
    title: conceptText(r.code),
    date: undefined,
    fields: [
      ['Medication', conceptText(r.code)],
      ['Form', conceptText(r.form)],
      ['Ingredients', joined(asList(r.ingredient).map((item) => choiceText(asObject(item) ?? {}, 'item')))],
      ['Status', text(r.status)],
    ],
  }),
  Observation: (r, ref) => ({
    title: conceptText(r.code),
    date: choiceDate(r, 'effective') ?? text(r.issued),
    fields: [
      ['Test', conceptText(r.code)],
      ['Result', choiceText(r, 'value') ?? (r.dataAbsentReason ? `not available (${conceptText(r.dataAbsentReason)})` : undefined)],
      ['Reference range', joined(asList(r.referenceRange).map((range) => rangeText(range) ?? text(asObject(range)?.text)), '; ')],
      ['Interpretation', conceptsText(r.interpretation)],
      ...asList(r.component).map(asObject).map((part): [string, string | undefined] => [conceptText(part?.code) ?? 'Component', choiceText(part ?? {}, 'value')]),
      ['Results in this panel', asList(r.hasMember).length > 0 ? String(asList(r.hasMember).length) : undefined],
      ['Category', conceptsText(r.category)],
      ['Status', text(r.status)],
      ['Date', choiceText(r, 'effective')],
      ['Note', annotationsText(r.note)],
    ],
  }),
  DiagnosticReport: (r, ref) => ({
    title: conceptText(r.code),
    date: choiceDate(r, 'effective') ?? text(r.issued),
    fields: [
      ['Report', conceptText(r.code)],
      ['Status', text(r.status)],
      ['Conclusion', text(r.conclusion)],
      ['Results', asList(r.result).length > 0 ? String(asList(r.result).length) : undefined],
      ['Date', choiceText(r, 'effective')],
      ['Performer', joined(asList(r.performer).map((item) => ref(item)))],
      ['Category', conceptsText(r.category)],
      ['Report text', joined(asList(r.presentedForm).map((form) => inlineText(asObject(form))), '\n\n')],
      ...asList(r.presentedForm).map(asObject).filter((form) => !inlineText(form)).map((form): [string, string | undefined] => ['Attachment', attachmentText(form)]),
    ],
  }),
  Immunization: (r, ref) => ({
    title: conceptText(r.vaccineCode),
    date: text(r.occurrenceDateTime) ?? text(r.recorded),
    fields: [
      ['Vaccine', conceptText(r.vaccineCode)],
      ['Date', choiceText(r, 'occurrence')],
      ['Status', text(r.status)],
      ['Lot number', text(r.lotNumber)],
      ['Expiry', text(r.expirationDate)],
      ['Site', conceptText(r.site)],
      ['Route', conceptText(r.route)],
      ['Dose', joined(asList(r.protocolApplied).map(asObject).map((applied) => joined([choiceText(applied ?? {}, 'doseNumber'), text(applied?.series) ? `(${text(applied?.series)})` : undefined], ' ')))],
      ['Given by', joined(asList(r.performer).map((performer) => ref(asObject(performer)?.actor)))],
      ['Note', annotationsText(r.note)],
    ],
  }),
  Procedure: (r, ref) => ({
    title: conceptText(r.code),
    date: choiceDate(r, 'performed'),
    fields: [
      ['Procedure', conceptText(r.code)],
      ['Status', text(r.status)],
      ['Performed', choiceText(r, 'performed')],
      ['Body site', conceptsText(r.bodySite)],
      ['Outcome', conceptText(r.outcome)],
      ['Performed by', joined(asList(r.performer).map((performer) => ref(asObject(performer)?.actor)))],
      ['Note', annotationsText(r.note)],
    ],
  }),
  DocumentReference: (r, ref) => {
    const attachments = asList(r.content).map((content) => asObject(asObject(content)?.attachment))
    return {
      title: text(r.description) ?? conceptText(r.type) ?? text(attachments[0]?.title),
      date: text(asObject(asObject(r.context)?.period)?.start) ?? text(r.date),
      fields: [
        ['Title', text(r.description)],
        ['Type', conceptText(r.type)],
        ['Category', conceptsText(r.category)],
        ['Text', joined(attachments.map(inlineText), '\n\n')],
        ...attachments.filter((attachment) => !inlineText(attachment)).map((attachment): [string, string | undefined] => ['Attachment', attachmentText(attachment)]),
        ['Author', joined(asList(r.author).map((item) => ref(item)))],
        ['Status', text(r.status)],
      ],
    }
  },
  Patient: (r, ref) => ({
    title: humanNameText(asList(r.name)[0]),
    date: undefined,
    fields: [
      ['Name', humanNameText(asList(r.name)[0])],
      ['Birth date', text(r.birthDate)],
      ['Gender', text(r.gender)],
      ['Identifier', joined(asList(r.identifier).map((identifier) => text(asObject(identifier)?.value)))],
      ['Contact', joined(asList(r.telecom).map(contactPointText))],
      ['Address', joined(asList(r.address).map(addressText), '; ')],
      ...asList(r.contact).map(asObject).map((contact): [string, string | undefined] => [
        conceptsText(contact?.relationship) ?? 'Contact',
        joined([humanNameText(contact?.name), ...asList(contact?.telecom).map(contactPointText)]),
      ]),
      ['Language', joined(asList(r.communication).map((item) => conceptText(asObject(item)?.language)))],
    ],
  }),
  Composition: (r, ref) => ({
    title: text(r.title),
    date: text(r.date),
    fields: [
      ['Document type', conceptText(r.type)],
      ['Status', text(r.status)],
      ['Date', text(r.date)],
      ['Author', joined(asList(r.author).map((item) => ref(item)))],
      ...asList(r.section).map(asObject).map((section): [string, string | undefined] => [
        text(section?.title) ?? conceptText(section?.code) ?? 'Section',
        section?.emptyReason
          ? `No information (${conceptText(section.emptyReason)})`
          : asList(section?.entry).length > 0 ? `${asList(section?.entry).length} entr${asList(section?.entry).length === 1 ? 'y' : 'ies'}` : 'Narrative only',
      ]),
    ],
  }),
  Device: (r, ref) => ({
    title: text(asObject(asList(r.deviceName)[0])?.name) ?? conceptText(r.type),
    date: undefined,
    fields: [
      ['Device', joined(asList(r.deviceName).map((name) => text(asObject(name)?.name)))],
      ['Type', conceptText(r.type)],
      ['Manufacturer', text(r.manufacturer)],
      ['Model', text(r.modelNumber)],
      ['Serial number', text(r.serialNumber)],
      ['UDI', joined(asList(r.udiCarrier).map((udi) => text(asObject(udi)?.carrierHRF) ?? text(asObject(udi)?.deviceIdentifier)))],
      ['Status', text(r.status)],
      ['Expiry', text(r.expirationDate)],
    ],
  }),
  Practitioner: (r, ref) => ({
    title: humanNameText(asList(r.name)[0]),
    date: undefined,
    fields: [
      ['Name', humanNameText(asList(r.name)[0])],
      ['Qualification', joined(asList(r.qualification).map((item) => conceptText(asObject(item)?.code)))],
      ['Contact', joined(asList(r.telecom).map(contactPointText))],
      ['Address', joined(asList(r.address).map(addressText), '; ')],
    ],
  }),
  PractitionerRole: (r, ref) => ({
    title: conceptsText(r.code) ?? ref(r.practitioner),
    date: undefined,
    fields: [
      ['Role', conceptsText(r.code)],
      ['Practitioner', ref(r.practitioner)],
      ['Organization', ref(r.organization)],
      ['Specialty', conceptsText(r.specialty)],
    ],
  }),
  Organization: (r, ref) => ({
    title: text(r.name),
    date: undefined,
    fields: [
      ['Name', text(r.name)],
      ['Type', conceptsText(r.type)],
      ['Contact', joined(asList(r.telecom).map(contactPointText))],
      ['Address', joined(asList(r.address).map(addressText), '; ')],
    ],
  }),
  Consent: (r, ref) => ({
    title: conceptsText(r.category) ?? conceptText(r.scope),
    date: text(r.dateTime),
    fields: [
      ['Scope', conceptText(r.scope)],
      ['Category', conceptsText(r.category)],
      ['Decision', joined([text(asObject(r.provision)?.type), conceptsText(asObject(r.provision)?.code)])],
      ['Status', text(r.status)],
      ['Date', text(r.dateTime)],
      ['Policy', joined(asList(r.policy).map((policy) => text(asObject(policy)?.uri) ?? text(asObject(policy)?.authority)))],
    ],
  }),
}
