import type { CodeableConcept } from '../../fhir/fhirTypes.ts'
import { classLabel, crossReactivity, drugClasses, interactions, sourceTitle, type Severity } from './drugTables.ts'
import { conceptLabel, describeCodes, identifyDrug, type DrugIdentity } from './identifyDrug.ts'
import { patientMedicationFacts, type AllergyFact, type CheckedRecord } from './patientMedicationFacts.ts'

export type { CheckedRecord }

export type PrescribingWarning = {
  rule: 'allergy' | 'duplicate' | 'interaction'
  severity: Severity
  /** Why, in words a doctor reads: which record, which rule. */
  message: string
  /** The patient record that triggered it (its vault cid or "Type/id"). */
  recordRef?: string
  /** The curated table's source (data/SOURCES.md). */
  source: string
}

export type CheckResult = { warnings: PrescribingWarning[]; notChecked: string[] }

export type CheckPrescriptionParameters = {
  medication: CodeableConcept
  /** What the doctor can see of the patient: allergies and current medications are read from it. */
  records: readonly CheckedRecord[]
}

const tableSource = 'Salus drug tables: RxNorm, WHO ATC, SNOMED CT'

function shared(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((x) => b.includes(x))
}

function allergyWords(fact: AllergyFact): string {
  const details = [fact.criticality && `criticality ${fact.criticality}`, fact.verification].filter(Boolean).join(', ')
  return `the patient's allergy record “${conceptLabel(fact.substance)}”${details ? ` (${details})` : ''}`
}

function allergyWarnings(drug: DrugIdentity, drugLabel: string, fact: AllergyFact, allergen: DrugIdentity): PrescribingWarning[] {
  const sameIngredient = shared(drug.ingredients, allergen.ingredients)
  if (sameIngredient.length > 0) {
    return [{
      rule: 'allergy', severity: 'high', recordRef: fact.ref, source: tableSource,
      message: `Allergy: ${drugLabel} contains ${sameIngredient.join(' and ')}, and ${allergyWords(fact)} names it. Rule: same ingredient.`,
    }]
  }
  const sameClass = shared(drug.classes, allergen.classes).filter((c) => drugClasses.get(c)?.names.length)
  if (sameClass.length > 0) {
    return [{
      rule: 'allergy', severity: 'high', recordRef: fact.ref, source: tableSource,
      message: `Allergy: ${drugLabel} is one of the ${sameClass.map(classLabel).join(', ')}, and ${allergyWords(fact)} is to that class. Rule: same drug class.`,
    }]
  }
  return crossReactivity
    .filter((rule) => allergen.classes.includes(rule.allergen) && drug.classes.includes(rule.prescribed))
    .map((rule) => ({
      rule: 'allergy' as const, severity: rule.severity, recordRef: fact.ref, source: sourceTitle(rule.sources),
      message: `Possible cross-reactivity: ${drugLabel} is one of the ${classLabel(rule.prescribed)}, and ${allergyWords(fact)} is to ${classLabel(rule.allergen)}. ${rule.effect}`,
    }))
}

/**
 * One warning for the same finding in several records (an allergy recorded twice, once by
 * hand and once in an import): the first record is named, the count of the others added.
 */
function mergeRepeated(warnings: readonly PrescribingWarning[]): PrescribingWarning[] {
  const seen = new Map<string, { warning: PrescribingWarning; more: number }>()
  for (const warning of warnings) {
    const key = `${warning.rule}\u0000${warning.severity}\u0000${warning.message}`
    const found = seen.get(key)
    if (found) found.more++
    else seen.set(key, { warning, more: 0 })
  }
  return [...seen.values()].map(({ warning, more }) =>
    more === 0 ? warning : { ...warning, message: `${warning.message} (The same is recorded in ${more} more record${more === 1 ? '' : 's'}.)` },
  )
}

/**
 * Check a drug a doctor is about to prescribe against what the doctor can see of the
 * patient: allergies and intolerances (same ingredient, same class, known
 * cross-reactivity), duplicates of current medications (same ingredient, or a second
 * drug of a class where one is enough), and known serious interactions with current
 * medications. Every warning names the record and the rule; everything the tables do
 * not recognise is listed in `notChecked`, never passed in silence. Pure: the
 * tables are data (data/*.json, sources in data/SOURCES.md).
 */
export function checkPrescription({ medication, records }: CheckPrescriptionParameters): CheckResult {
  const result: CheckResult = { warnings: [], notChecked: [] }
  const drugLabel = conceptLabel(medication)
  const drug = identifyDrug(medication)
  if (!drug || drug.ingredients.length === 0) {
    result.notChecked.push(`“${drugLabel}” (${describeCodes(medication)}) is not in Salus's drug tables: it was not checked for allergies, duplicates or interactions.`)
    return result
  }
  const { allergies, medications } = patientMedicationFacts(records)

  for (const fact of allergies) {
    const allergen = identifyDrug(fact.substance)
    if (!allergen) {
      const isDrugAllergy = fact.category.length === 0 || fact.category.includes('medication')
      if (isDrugAllergy) result.notChecked.push(`Allergy record “${conceptLabel(fact.substance)}” (${describeCodes(fact.substance)}): its substance is not in Salus's drug tables, so ${drugLabel} was not checked against it.`)
      continue
    }
    result.warnings.push(...allergyWarnings(drug, drugLabel, fact, allergen))
  }

  for (const current of medications) {
    const other = identifyDrug(current.medication)
    const otherLabel = conceptLabel(current.medication)
    if (!other || other.ingredients.length === 0) {
      result.notChecked.push(`Current medication “${otherLabel}” (${describeCodes(current.medication)}) is not in Salus's drug tables: not checked for duplication or interactions.`)
      continue
    }
    const sameIngredient = shared(drug.ingredients, other.ingredients)
    const duplicateClass = shared(drug.classes, other.classes).filter((c) => drugClasses.get(c)?.duplicateTherapy)
    if (sameIngredient.length > 0) {
      result.warnings.push({
        rule: 'duplicate', severity: 'high', recordRef: current.ref, source: tableSource,
        message: `Duplicate: the patient already takes ${sameIngredient.join(' and ')} (current medication “${otherLabel}”, ${current.status}). Rule: same ingredient twice.`,
      })
    } else if (duplicateClass.length > 0) {
      result.warnings.push({
        rule: 'duplicate', severity: 'moderate', recordRef: current.ref, source: tableSource,
        message: `Therapeutic duplicate: ${drugLabel} and the current medication “${otherLabel}” are both ${duplicateClass.map(classLabel).join(', ')}. Rule: one drug of this class at a time.`,
      })
    }
    for (const rule of interactions) {
      const forward = drug.classes.includes(rule.a) && other.classes.includes(rule.b)
      const backward = drug.classes.includes(rule.b) && other.classes.includes(rule.a)
      if (!forward && !backward) continue
      result.warnings.push({
        rule: 'interaction', severity: rule.severity, recordRef: current.ref, source: sourceTitle(rule.sources),
        message: `Interaction: ${drugLabel} (${classLabel(forward ? rule.a : rule.b)}) with the current medication “${otherLabel}” (${classLabel(forward ? rule.b : rule.a)}). ${rule.effect}`,
      })
    }
  }
  result.warnings = mergeRepeated(result.warnings)
  result.warnings.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'high' ? -1 : 1))
  return result
}
