import type { CodeableConcept, Coding } from '../../fhir/fhirTypes.ts'
import { drugClasses, drugs, type Drug } from './drugTables.ts'

export const rxnormSystem = 'http://www.nlm.nih.gov/research/umls/rxnorm'
export const atcSystem = 'http://www.whocc.no/atc'
export const snomedSystem = 'http://snomed.info/sct'

/** What a medication or allergen concept is, as far as the tables know it. */
export type DrugIdentity = {
  /** Ingredient names from the tables (empty when only a class was recognised). */
  ingredients: string[]
  classes: string[]
  /** How it was recognised: by a code, or by a name in the display text. */
  via: 'code' | 'name'
}

const byRxnorm = new Map<string, Drug>()
const byAtc = new Map<string, Drug>()
const bySnomed = new Map<string, Drug>()
for (const drug of drugs) {
  for (const code of drug.rxnorm) byRxnorm.set(code, drug)
  for (const code of drug.atc) byAtc.set(code, drug)
  for (const code of drug.snomed) bySnomed.set(code, drug)
}

/** " amoxicillin 250 mg oral capsule " — words separated by single spaces, padded. */
function words(text: string): string {
  return ` ${text.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim()} `
}

function namesOf(drug: Drug): string[] {
  return [drug.name, ...drug.synonyms]
}

function add(identity: DrugIdentity, drug: Drug): void {
  if (!identity.ingredients.includes(drug.name)) identity.ingredients.push(drug.name)
  for (const c of drug.classes) if (!identity.classes.includes(c)) identity.classes.push(c)
}

function addClass(identity: DrugIdentity, id: string): void {
  if (!identity.classes.includes(id)) identity.classes.push(id)
}

function byCode(identity: DrugIdentity, coding: Coding): void {
  const code = coding.code?.trim()
  if (!code) return
  if (coding.system === rxnormSystem) {
    const drug = byRxnorm.get(code)
    if (drug) add(identity, drug)
  } else if (coding.system === atcSystem) {
    const drug = byAtc.get(code.toUpperCase())
    if (drug) add(identity, drug)
    // A class code (J01C) or an ingredient the tables do not list still names its class.
    for (const c of drugClasses.values()) if (c.atcPrefixes.some((prefix) => code.toUpperCase().startsWith(prefix))) addClass(identity, c.id)
  } else if (coding.system === snomedSystem) {
    const drug = bySnomed.get(code)
    if (drug) add(identity, drug)
    for (const c of drugClasses.values()) if (c.snomed.includes(code)) addClass(identity, c.id)
  }
}

/**
 * Recognise a medication or an allergen: first by its codes (RxNorm ingredient,
 * ATC code or class prefix, SNOMED CT substance), then by ingredient or class names
 * in its text and displays (RxNorm clinical-drug names begin with the ingredients,
 * "Amoxicillin 250 MG Oral Capsule"). Undefined when nothing is recognised: the
 * caller then says "not checked".
 */
export function identifyDrug(concept: CodeableConcept | undefined): DrugIdentity | undefined {
  if (!concept) return undefined
  const identity: DrugIdentity = { ingredients: [], classes: [], via: 'code' }
  for (const coding of concept.coding ?? []) byCode(identity, coding)
  if (identity.classes.length > 0 || identity.ingredients.length > 0) return identity
  identity.via = 'name'
  const text = words([concept.text ?? '', ...(concept.coding ?? []).map((c) => c.display ?? '')].join(' '))
  for (const drug of drugs) if (namesOf(drug).some((name) => text.includes(words(name)))) add(identity, drug)
  for (const c of drugClasses.values()) if (c.names.some((name) => text.includes(words(name)))) addClass(identity, c.id)
  return identity.classes.length > 0 || identity.ingredients.length > 0 ? identity : undefined
}

/** "RxNorm 308182, ATC J01CA04" — the codes a person can look up. */
export function describeCodes(concept: CodeableConcept | undefined): string {
  const names: Record<string, string> = { [rxnormSystem]: 'RxNorm', [atcSystem]: 'ATC', [snomedSystem]: 'SNOMED CT' }
  const codes = (concept?.coding ?? []).filter((c) => c.code).map((c) => `${(c.system && names[c.system]) ?? c.system ?? 'code'} ${c.code}`)
  return codes.length > 0 ? codes.join(', ') : 'no code'
}

/** The words a doctor reads for a concept: its text, else the first display, else its code. */
export function conceptLabel(concept: CodeableConcept | undefined): string {
  return concept?.text?.trim() || concept?.coding?.find((c) => c.display)?.display?.trim() || describeCodes(concept)
}
