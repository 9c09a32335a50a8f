import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import type { CodeableConcept, FhirResource } from '../../src/core/fhir/fhirTypes.ts'
import { checkPrescription, type CheckedRecord } from '../../src/core/pharmacy/checks/checkPrescription.ts'
import { crossReactivity, drugClasses, drugs, interactions } from '../../src/core/pharmacy/checks/drugTables.ts'
import { identifyDrug } from '../../src/core/pharmacy/checks/identifyDrug.ts'
import sources from '../../src/core/pharmacy/checks/data/sources.json'

const rxnorm = 'http://www.nlm.nih.gov/research/umls/rxnorm'
const snomed = 'http://snomed.info/sct'
const atc = 'http://www.whocc.no/atc'

/** As Synthea writes them: RxNorm clinical-drug (SCD) codes, whose names begin with the ingredient. */
const amoxicillin: CodeableConcept = { coding: [{ system: rxnorm, code: '308182', display: 'Amoxicillin 250 MG Oral Capsule' }] }
const ibuprofen: CodeableConcept = { coding: [{ system: rxnorm, code: '5640', display: 'Ibuprofen' }] }
const naproxen: CodeableConcept = { coding: [{ system: atc, code: 'M01AE02', display: 'naproxen' }] }
const sildenafil: CodeableConcept = { coding: [{ system: rxnorm, code: '136411' }], text: 'Sildenafil 50 mg' }
const cefalexin: CodeableConcept = { coding: [{ system: rxnorm, code: '2231', display: 'cephalexin' }] }
const paracetamol: CodeableConcept = { coding: [{ system: rxnorm, code: '313782', display: 'Acetaminophen 325 MG Oral Tablet' }] }

const allergy = (ref: string, code: CodeableConcept, extra: Record<string, unknown> = {}): CheckedRecord => ({
  ref,
  resource: { resourceType: 'AllergyIntolerance', clinicalStatus: { coding: [{ code: 'active' }] }, category: ['medication'], criticality: 'high', code, ...extra },
})
const medication = (ref: string, concept: CodeableConcept, status = 'active'): CheckedRecord => ({
  ref,
  resource: { resourceType: 'MedicationRequest', status, intent: 'order', medicationCodeableConcept: concept },
})

describe('prescribing checks: allergy', () => {
  it('warns when the drug is in the class of a recorded allergy (the IPS example: SNOMED penicillin-class substance)', () => {
    const ips = JSON.parse(readFileSync('test/fixtures/fhir/AllergyIntolerance-extracted-from-ips-bundle-01.json', 'utf8')) as FhirResource
    const { warnings, notChecked } = checkPrescription({ medication: amoxicillin, records: [{ ref: 'AllergyIntolerance/ips', resource: ips }] })
    expect(notChecked).toEqual([])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ rule: 'allergy', severity: 'high', recordRef: 'AllergyIntolerance/ips' })
    expect(warnings[0]!.message).toContain('penicillins')
    expect(warnings[0]!.message).toContain('Substance with penicillin structure')
  })

  it('warns on the same ingredient named only in the allergy text', () => {
    const { warnings } = checkPrescription({ medication: ibuprofen, records: [allergy('a1', { text: 'Ibuprofen (hives)' })] })
    expect(warnings.map((w) => [w.rule, w.severity])).toEqual([['allergy', 'high']])
    expect(warnings[0]!.message).toContain('same ingredient')
  })

  it('gives a moderate cross-reactivity warning for a cephalosporin in a penicillin-allergic patient, with its source', () => {
    const { warnings } = checkPrescription({ medication: cefalexin, records: [allergy('a1', { text: 'Allergy to penicillin' })] })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ rule: 'allergy', severity: 'moderate' })
    expect(warnings[0]!.source).toContain('2022 practice parameter')
  })

  it('does not warn for an unrelated drug, a resolved allergy, or a refuted one', () => {
    const penicillin = { coding: [{ system: snomed, code: '764146007', display: 'Penicillin' }] }
    expect(checkPrescription({ medication: paracetamol, records: [allergy('a1', penicillin)] }).warnings).toEqual([])
    const resolved = allergy('a2', penicillin, { clinicalStatus: { coding: [{ code: 'resolved' }] } })
    const refuted = allergy('a3', penicillin, { verificationStatus: { coding: [{ code: 'refuted' }] } })
    expect(checkPrescription({ medication: amoxicillin, records: [resolved, refuted] }).warnings).toEqual([])
  })

  it('lists a drug allergy it cannot read as not checked, and ignores a food allergy', () => {
    const unknown = allergy('a1', { coding: [{ system: snomed, code: '111111111', display: 'Zorbocillin' }] })
    const peanut = allergy('a2', { text: 'Peanut' }, { category: ['food'] })
    const result = checkPrescription({ medication: amoxicillin, records: [unknown, peanut] })
    expect(result.warnings).toEqual([])
    expect(result.notChecked).toHaveLength(1)
    expect(result.notChecked[0]).toContain('Zorbocillin')
    expect(result.notChecked[0]).toContain('SNOMED CT 111111111')
  })
})

describe('prescribing checks: duplicates', () => {
  it('warns on the same ingredient already taken, and on a second drug of a one-at-a-time class', () => {
    const same = checkPrescription({ medication: ibuprofen, records: [medication('m1', { text: 'Ibuprofen 400 mg tablet' })] })
    expect(same.warnings.map((w) => [w.rule, w.severity, w.recordRef])).toEqual([['duplicate', 'high', 'm1']])
    const sameClass = checkPrescription({ medication: naproxen, records: [medication('m1', ibuprofen)] })
    expect(sameClass.warnings.map((w) => [w.rule, w.severity])).toEqual([['duplicate', 'moderate']])
    expect(sameClass.warnings[0]!.message).toContain('NSAIDs')
  })

  it('does not warn for a stopped medication or a different class', () => {
    expect(checkPrescription({ medication: ibuprofen, records: [medication('m1', ibuprofen, 'stopped')] }).warnings).toEqual([])
    expect(checkPrescription({ medication: ibuprofen, records: [medication('m1', paracetamol)] }).warnings).toEqual([])
  })

  it('reads a medication held as a contained Medication', () => {
    const request: CheckedRecord = {
      ref: 'm1',
      resource: {
        resourceType: 'MedicationRequest', status: 'active', intent: 'order',
        contained: [{ resourceType: 'Medication', id: 'med', code: { coding: [{ system: rxnorm, code: '5640' }] } }],
        medicationReference: { reference: '#med' },
      },
    }
    expect(checkPrescription({ medication: ibuprofen, records: [request] }).warnings.map((w) => w.rule)).toEqual(['duplicate'])
  })
})

describe('prescribing checks: interactions', () => {
  it('warns on nitrates with a PDE5 inhibitor, both ways, naming the source', () => {
    const nitrate = medication('m1', { coding: [{ system: rxnorm, code: '4917', display: 'Nitroglycerin' }] })
    const forward = checkPrescription({ medication: sildenafil, records: [nitrate] })
    expect(forward.warnings.map((w) => [w.rule, w.severity, w.recordRef])).toEqual([['interaction', 'high', 'm1']])
    expect(forward.warnings[0]!.source).toContain('Phansalkar')
    const backward = checkPrescription({ medication: { text: 'Isosorbide mononitrate 30 mg' }, records: [medication('m2', sildenafil)] })
    expect(backward.warnings.map((w) => w.rule)).toEqual(['interaction'])
  })

  it('warns on warfarin with an NSAID and on an opioid with a benzodiazepine', () => {
    const warfarin = medication('m1', { coding: [{ system: rxnorm, code: '855332', display: 'Warfarin Sodium 5 MG Oral Tablet' }] })
    expect(checkPrescription({ medication: ibuprofen, records: [warfarin] }).warnings[0]).toMatchObject({ rule: 'interaction', severity: 'high' })
    const diazepam = medication('m2', { text: 'Diazepam 5 mg' })
    const opioid = checkPrescription({ medication: { coding: [{ system: rxnorm, code: '7804', display: 'oxycodone' }] }, records: [diazepam] })
    expect(opioid.warnings[0]!.source).toContain('FDA')
  })

  it('does not warn for drugs with no known interaction', () => {
    expect(checkPrescription({ medication: paracetamol, records: [medication('m1', ibuprofen), medication('m2', sildenafil)] }).warnings).toEqual([])
  })

  it('lists a current medication it cannot read as not checked', () => {
    const result = checkPrescription({ medication: ibuprofen, records: [medication('m1', { coding: [{ system: rxnorm, code: '999999', display: 'Obscurol' }] })] })
    expect(result.warnings).toEqual([])
    expect(result.notChecked).toEqual([expect.stringContaining('Obscurol')])
  })
})

describe('prescribing checks: unknown drugs', () => {
  it('says a drug it does not know was not checked, rather than passing it', () => {
    const result = checkPrescription({ medication: { coding: [{ system: rxnorm, code: '424242', display: 'Frobnicate 10 mg' }] }, records: [allergy('a1', { text: 'penicillin' })] })
    expect(result.warnings).toEqual([])
    expect(result.notChecked).toEqual([expect.stringMatching(/Frobnicate 10 mg.*RxNorm 424242.*not checked/)])
  })
})

describe('prescribing-check tables', () => {
  it('name only classes and sources that exist, with well-formed ATC codes', () => {
    const sourceIds = Object.keys(sources.sources)
    for (const drug of drugs) {
      for (const c of drug.classes) expect(drugClasses.has(c), `${drug.name}: class ${c}`).toBe(true)
      for (const code of drug.atc) expect(code).toMatch(/^[A-Z]\d{2}[A-Z]{2}\d{2}$/)
      expect(identifyDrug({ text: drug.name })?.ingredients).toContain(drug.name)
    }
    for (const rule of [...interactions, ...crossReactivity]) {
      for (const id of rule.sources) expect(sourceIds, id).toContain(id)
    }
    for (const rule of interactions) for (const c of [rule.a, rule.b]) expect(drugClasses.has(c), c).toBe(true)
    for (const rule of crossReactivity) for (const c of [rule.allergen, rule.prescribed]) expect(drugClasses.has(c), c).toBe(true)
  })
})
