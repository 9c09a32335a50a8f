/**
 * A compact way to write FHIR R4 structure definitions by hand. An element is written
 * as its type plus a cardinality suffix: '' 0..1, '!' 1..1, '*' 0..*, '+' 1..*.
 * Choice elements are named like 'onset[x]' with types joined by '|'. A type may be a
 * primitive, a datatype, 'Resource', or a named backbone ('#Composition.section').
 */
export type Cardinality = '' | '!' | '*' | '+'

export type JsonObject = Record<string, unknown>

/** A rule across elements (an R4 invariant); returns why it fails, or undefined. */
export type Invariant = (value: JsonObject) => { at?: string; reason: string } | undefined

export type ElementMap = Record<string, ElementDefinition>

export type ElementDefinition =
  | string
  | { kind: 'code'; values: readonly string[]; card: Cardinality }
  | { kind: 'bound'; system: string; values: readonly string[]; card: Cardinality }
  | { kind: 'backbone'; elements: ElementMap; card: Cardinality; invariants?: Invariant[]; maxItems?: number }
  | { kind: 'typed'; type: string; card: Cardinality; maxItems?: number }

/** A code from a required value set. */
export function code(values: readonly string[], card: Cardinality = ''): ElementDefinition {
  return { kind: 'code', values, card }
}

/** A CodeableConcept with a required binding: it must carry a coding from `system`. */
export function bound(system: string, values: readonly string[], card: Cardinality = ''): ElementDefinition {
  return { kind: 'bound', system, values, card }
}

export function backbone(
  elements: ElementMap,
  card: Cardinality = '',
  invariants?: Invariant[],
): ElementDefinition {
  return invariants ? { kind: 'backbone', elements, card, invariants } : { kind: 'backbone', elements, card }
}

/** A structure (datatype, resource or named backbone) with its invariants. */
export type StructureDefinition = { elements: ElementMap; invariants?: Invariant[] }

/** The two present elements that exclude each other, if both are. */
export function bothPresent(value: JsonObject, first: string, second: string): boolean {
  return value[first] !== undefined && value[second] !== undefined
}

export function hasAnyKey(value: JsonObject, prefix: string): boolean {
  return Object.keys(value).some((key) => key.startsWith(prefix) && key.length > prefix.length && /[A-Z]/.test(key[prefix.length]!))
}

/** The code of the first coding of a CodeableConcept from `system`, if any. */
export function codingCode(concept: unknown, system: string): string | undefined {
  const codings = (concept as { coding?: { system?: string; code?: string }[] } | undefined)?.coding
  return Array.isArray(codings) ? codings.find((coding) => coding?.system === system)?.code : undefined
}
