import allergyTable from './data/allergyCrossReactivity.json'
import drugTable from './data/drugs.json'
import interactionTable from './data/interactions.json'
import sourceTable from './data/sources.json'

/**
 * The curated tables the prescribing checks read (data/*.json, sources in
 * data/SOURCES.md), typed once here so the rules below never touch raw JSON.
 */
export type DrugClass = { id: string; label: string; atcPrefixes: string[]; snomed: string[]; names: string[]; duplicateTherapy: boolean }
export type Drug = { name: string; rxnorm: string[]; atc: string[]; snomed: string[]; classes: string[]; synonyms: string[] }
export type Severity = 'high' | 'moderate'
export type Interaction = { a: string; b: string; severity: Severity; effect: string; sources: string[] }
export type CrossReactivity = { allergen: string; prescribed: string; severity: Severity; effect: string; sources: string[] }

type RawClass = { label: string; atcPrefixes: string[]; snomed?: string[]; names: string[]; duplicateTherapy: boolean }
type RawDrug = { name: string; rxnorm?: string[]; atc?: string[]; snomed?: string[]; classes: string[]; synonyms?: string[] }

export const drugClasses: ReadonlyMap<string, DrugClass> = new Map(
  Object.entries(drugTable.classes as Record<string, RawClass>).map(([id, c]) => [id, { id, ...c, snomed: c.snomed ?? [] }]),
)

export const drugs: readonly Drug[] = (drugTable.drugs as RawDrug[]).map((d) => ({
  name: d.name,
  rxnorm: d.rxnorm ?? [],
  atc: d.atc ?? [],
  snomed: d.snomed ?? [],
  classes: d.classes,
  synonyms: d.synonyms ?? [],
}))

export const interactions: readonly Interaction[] = interactionTable.interactions as Interaction[]
export const crossReactivity: readonly CrossReactivity[] = allergyTable.crossReactivity as CrossReactivity[]
const sourceTitles = sourceTable.sources as Record<string, string>

/** "Phansalkar et al., …; FDA Drug Safety Communication, …" for a rule's source ids. */
export function sourceTitle(ids: readonly string[]): string {
  return ids.map((id) => sourceTitles[id] ?? id).join('; ')
}

export function classLabel(id: string): string {
  return drugClasses.get(id)?.label ?? id
}
