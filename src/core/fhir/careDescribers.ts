import {
  annotationsText, asList, asObject, choiceDate, choiceText, conceptText, conceptsText, dosageText,
  joined, periodText, quantityText, text,
} from './fhirText.ts'
import { medicationName, type Describer } from './resourceDescribers.ts'

type Json = Record<string, unknown>

// HL7 v3 ActCode encounter classes, in words a patient reads.
const encounterClasses: Record<string, string> = {
  AMB: 'Outpatient visit', EMER: 'Emergency', IMP: 'Hospital stay', ACUTE: 'Hospital stay (acute)',
  NONAC: 'Hospital stay', OBSENC: 'Observation', PRENC: 'Pre-admission', SS: 'Short stay',
  VR: 'Virtual visit', HH: 'Home visit', FLD: 'Field visit',
}

function encounterClass(value: unknown): string | undefined {
  const coding = asObject(value)
  const code = text(coding?.code)
  return text(coding?.display) ?? (code ? encounterClasses[code] ?? code : undefined)
}

const list = (value: unknown, each: (item: Json | undefined) => string | undefined, separator = ', ') =>
  joined(asList(value).map(asObject).map(each), separator)

/** Views of visits, care plans, teams, goals, devices in use, imaging, family history and orders. */
export const careDescribers: Record<string, Describer> = {
  Encounter: (r, ref) => {
    const reasons = joined([conceptsText(r.reasonCode), list(r.reasonReference, (item) => ref(item))])
    return {
      title: conceptsText(r.type) ?? conceptsText(r.serviceType) ?? encounterClass(r.class) ?? (reasons ? `Visit: ${reasons}` : undefined),
      date: text(asObject(r.period)?.start) ?? text(asObject(r.period)?.end),
      fields: [
        ['Visit', conceptsText(r.type)],
        ['Kind', encounterClass(r.class)],
        ['Service', conceptText(r.serviceType)],
        ['When', periodText(r.period)],
        ['Where', list(r.location, (item) => ref(item?.location))],
        ['Provider', ref(r.serviceProvider)],
        ['Who', list(r.participant, (item) => joined([ref(item?.individual), conceptsText(item?.type) ? `(${conceptsText(item?.type)})` : undefined], ' '), '; ')],
        ['Reason', reasons],
        ['Diagnoses', list(r.diagnosis, (item) => ref(item?.condition))],
        ['Admitted from', conceptText(asObject(r.hospitalization)?.admitSource)],
        ['Discharged to', conceptText(asObject(r.hospitalization)?.dischargeDisposition)],
        ['Status', text(r.status)],
      ],
    }
  },
  CarePlan: (r, ref) => ({
    title: text(r.title) ?? conceptsText(asList(r.category).filter((category) => conceptText(category) && asList(asObject(category)?.coding).some((coding) => asObject(coding)?.display))) ?? text(r.description) ?? conceptsText(r.category),
    date: text(asObject(r.period)?.start) ?? text(r.created),
    fields: [
      ['Plan', text(r.title) ?? conceptsText(r.category)],
      ['Description', text(r.description)],
      ['Status', joined([text(r.status), text(r.intent)])],
      ['Period', periodText(r.period)],
      ['Addresses', list(r.addresses, (item) => ref(item))],
      ['Activities', list(r.activity, (item) => {
        const detail = asObject(item?.detail)
        return joined([conceptText(detail?.code) ?? ref(item?.reference) ?? text(detail?.description), text(detail?.status) ? `(${text(detail?.status)})` : undefined], ' ')
      }, '; ')],
      ['Goals', list(r.goal, (item) => ref(item))],
      ['Care team', list(r.careTeam, (item) => ref(item))],
      ['Author', ref(r.author)],
      ['Note', annotationsText(r.note)],
    ],
  }),
  CareTeam: (r, ref) => ({
    title: text(r.name) ?? (conceptsText(r.reasonCode) ? `Care team: ${conceptsText(r.reasonCode)}` : undefined) ?? conceptsText(r.category),
    date: text(asObject(r.period)?.start),
    fields: [
      ['Team', text(r.name)],
      ['For', conceptsText(r.reasonCode)],
      ['Members', list(r.participant, (item) => joined([ref(item?.member), conceptsText(item?.role) ? `(${conceptsText(item?.role)})` : undefined], ' '), '; ')],
      ['Managed by', list(r.managingOrganization, (item) => ref(item))],
      ['Period', periodText(r.period)],
      ['Status', text(r.status)],
    ],
  }),
  Goal: (r, ref) => ({
    title: conceptText(r.description),
    date: choiceDate(r, 'start') ?? text(r.startDate) ?? text(r.statusDate),
    fields: [
      ['Goal', conceptText(r.description)],
      ['Status', joined([text(r.lifecycleStatus), conceptText(r.achievementStatus)])],
      ['Priority', conceptText(r.priority)],
      ['Target', list(r.target, (item) => joined([conceptText(item?.measure), choiceText(item ?? {}, 'detail'), text(item?.dueDate) ? `by ${text(item?.dueDate)}` : undefined], ' '), '; ')],
      ['Started', text(r.startDate) ?? choiceText(r, 'start')],
      ['Addresses', list(r.addresses, (item) => ref(item))],
      ['Note', annotationsText(r.note)],
    ],
  }),
  ImagingStudy: (r, ref) => {
    const series = asList(r.series).map(asObject)
    const modalities = joined([...new Set([...asList(r.modality), ...series.map((item) => item?.modality)].map((coding) => text(asObject(coding)?.display) ?? text(asObject(coding)?.code)).filter(Boolean))])
    const bodySites = joined([...new Set(series.map((item) => text(asObject(item?.bodySite)?.display) ?? text(asObject(item?.bodySite)?.code)).filter(Boolean))])
    return {
      title: text(r.description) ?? conceptsText(r.procedureCode) ?? joined([modalities, bodySites], ' of ') ?? conceptsText(r.reasonCode),
      date: text(r.started),
      fields: [
        ['Study', text(r.description) ?? conceptsText(r.procedureCode)],
        ['Modality', modalities],
        ['Body site', bodySites],
        ['Started', text(r.started)],
        ['Series', series.length > 0 ? `${series.length} series, ${String(r.numberOfInstances ?? series.reduce((sum, item) => sum + asList(item?.instance).length, 0))} images` : undefined],
        ['Reason', conceptsText(r.reasonCode)],
        ['Referred by', ref(r.referrer)],
        ['Where', ref(r.location)],
        ['Status', text(r.status)],
        ['Note', annotationsText(r.note)],
      ],
    }
  },
  FamilyMemberHistory: (r) => {
    const relation = conceptText(r.relationship)
    const conditions = list(r.condition, (item) => joined([conceptText(item?.code), choiceText(item ?? {}, 'onset') ? `(onset ${choiceText(item ?? {}, 'onset')})` : undefined], ' '))
    return {
      title: joined([relation, conditions], ': ') ?? text(r.name),
      date: text(r.date),
      fields: [
        ['Relative', joined([relation, text(r.name)])],
        ['Conditions', conditions],
        ['Deceased', choiceText(r, 'deceased')],
        ['Born', choiceText(r, 'born')],
        ['Sex', conceptText(r.sex)],
        ['Status', text(r.status)],
        ['Note', annotationsText(r.note)],
      ],
    }
  },
  ServiceRequest: (r, ref) => ({
    title: conceptText(r.code) ?? conceptsText(r.category),
    date: text(r.authoredOn) ?? choiceDate(r, 'occurrence'),
    fields: [
      ['Request', conceptText(r.code)],
      ['Category', conceptsText(r.category)],
      ['Status', joined([text(r.status), text(r.intent), text(r.priority)])],
      ['When', choiceText(r, 'occurrence')],
      ['Requested by', ref(r.requester)],
      ['Performer', list(r.performer, (item) => ref(item))],
      ['Reason', joined([conceptsText(r.reasonCode), list(r.reasonReference, (item) => ref(item))])],
      ['Note', annotationsText(r.note)],
    ],
  }),
  MedicationDispense: (r, ref) => ({
    title: medicationName(r, ref),
    date: text(r.whenHandedOver) ?? text(r.whenPrepared),
    fields: [
      ['Medication', medicationName(r, ref)],
      ['Quantity', quantityText(r.quantity)],
      ['Supply', quantityText(r.daysSupply)],
      ['Dosage', list(r.dosageInstruction, dosageText, '; ')],
      ['Handed over', text(r.whenHandedOver)],
      ['Dispensed by', list(r.performer, (item) => ref(item?.actor))],
      ['Where', ref(r.location)],
      ['Status', text(r.status)],
      ['Note', annotationsText(r.note)],
    ],
  }),
  MedicationAdministration: (r, ref) => ({
    title: medicationName(r, ref),
    date: choiceDate(r, 'effective'),
    fields: [
      ['Medication', medicationName(r, ref)],
      ['Given', choiceText(r, 'effective')],
      ['Dose', joined([quantityText(asObject(r.dosage)?.dose), conceptText(asObject(r.dosage)?.route), text(asObject(r.dosage)?.text)])],
      ['Given by', list(r.performer, (item) => ref(item?.actor))],
      ['Reason', conceptsText(r.reasonCode)],
      ['Status', text(r.status)],
      ['Note', annotationsText(r.note)],
    ],
  }),
  Provenance: (r, ref) => ({
    title: joined(['Record history', list(r.agent, (item) => ref(item?.who))], ': '),
    date: text(r.recorded),
    fields: [
      ['Recorded', text(r.recorded)],
      ['By', list(r.agent, (item) => ref(item?.who))],
      ['Records', asList(r.target).length > 0 ? String(asList(r.target).length) : undefined],
    ],
  }),
}

export type { Json }
