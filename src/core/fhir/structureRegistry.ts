import { clinicalResourceDefinitions } from './clinicalResourceDefinitions.ts'
import { datatypeDefinitions } from './datatypeDefinitions.ts'
import type {
  Cardinality,
  ElementDefinition,
  ElementMap,
  Invariant,
  StructureDefinition,
} from './elementDefinitions.ts'
import { primitiveTypes } from './primitives.ts'
import { recordResourceDefinitions } from './recordResourceDefinitions.ts'
import { reportResourceDefinitions } from './reportResourceDefinitions.ts'

/** One element after the shorthand is expanded. `types` has several entries for a choice. */
export type CompiledElement = {
  name: string
  types: string[]
  card: Cardinality
  values?: ReadonlySet<string>
  system?: string
  structure?: CompiledStructure
  maxItems?: number
}

export type CompiledStructure = {
  name: string
  /** JSON key → element and the type that key selects. */
  keys: Map<string, { element: CompiledElement; type: string }>
  elements: CompiledElement[]
  invariants: Invariant[]
}

const structureDefinitions: Record<string, StructureDefinition> = {
  ...datatypeDefinitions,
  ...clinicalResourceDefinitions,
  ...recordResourceDefinitions,
  ...reportResourceDefinitions,
}

// Everything a resource may carry whatever its type (Resource and DomainResource).
const resourceBase: ElementMap = { id: 'id', meta: 'Meta', implicitRules: 'uri', language: 'code' }
const domainResourceBase: ElementMap = {
  ...resourceBase,
  text: 'Narrative',
  contained: 'Resource*',
  extension: 'Extension*',
  modifierExtension: 'Extension*',
}
const notDomainResources = new Set(['Bundle', 'Binary', 'Parameters'])
const elementBase: ElementMap = { id: 'string', extension: 'Extension*', modifierExtension: 'Extension*' }

/** The JSON key suffix a choice type uses: onsetDateTime, doseQuantity (not doseSimpleQuantity). */
function choiceSuffix(type: string): string {
  if (type === 'SimpleQuantity') return 'Quantity'
  return type.charAt(0).toUpperCase() + type.slice(1)
}

function compileElement(owner: string, name: string, definition: ElementDefinition): CompiledElement {
  if (typeof definition === 'string') {
    const last = definition.at(-1)
    const card = (last === '!' || last === '*' || last === '+' ? last : '') as Cardinality
    const body = card ? definition.slice(0, -1) : definition
    return { name, types: body.split('|').map((type) => type.replace(/^#/, '')), card }
  }
  switch (definition.kind) {
    case 'code':
      return { name, types: ['code'], card: definition.card, values: new Set(definition.values) }
    case 'bound':
      return { name, types: ['CodeableConcept'], card: definition.card, system: definition.system, values: new Set(definition.values) }
    case 'typed':
      return { name, types: [definition.type], card: definition.card, ...(definition.maxItems ? { maxItems: definition.maxItems } : {}) }
    case 'backbone': {
      const structure = compile(`${owner}.${name}`, { elements: definition.elements, invariants: definition.invariants ?? [] }, elementBase)
      return { name, types: ['BackboneElement'], card: definition.card, structure, ...(definition.maxItems ? { maxItems: definition.maxItems } : {}) }
    }
  }
}

function compile(name: string, definition: StructureDefinition, base: ElementMap): CompiledStructure {
  const keys = new Map<string, { element: CompiledElement; type: string }>()
  const elements: CompiledElement[] = []
  for (const [rawName, elementDefinition] of Object.entries({ ...base, ...definition.elements })) {
    const choice = rawName.endsWith('[x]')
    const elementName = choice ? rawName.slice(0, -3) : rawName
    const element = compileElement(name, elementName, elementDefinition)
    elements.push(element)
    if (!choice) keys.set(elementName, { element, type: element.types[0]! })
    else for (const type of element.types) keys.set(elementName + choiceSuffix(type), { element, type })
  }
  return { name, keys, elements, invariants: definition.invariants ?? [] }
}

const compiled = new Map<string, CompiledStructure>()

/** The compiled structure for a datatype, resource or named backbone, or undefined if unmodelled. */
export function structureOf(name: string, asResource = false): CompiledStructure | undefined {
  const definition = structureDefinitions[name]
  if (!definition) return undefined
  const base = !asResource ? (name === 'Extension' ? { id: 'string', extension: 'Extension*' } : elementBase) : notDomainResources.has(name) ? resourceBase : domainResourceBase
  return cached(asResource ? `resource:${name}` : name, () => compile(name, definition, base))
}

/** Base elements every resource may carry, for resource types we do not model. */
export function genericResourceStructure(name: string): CompiledStructure {
  const domain = !notDomainResources.has(name)
  return cached(`generic:${domain ? 'DomainResource' : name}`, () =>
    compile(domain ? 'DomainResource' : name, { elements: {} }, domain ? domainResourceBase : resourceBase),
  )
}

/** What a primitive's `_name` twin may carry: an id and extensions. */
export function primitiveElementStructure(): CompiledStructure {
  return cached('primitive-element', () => compile('Element', { elements: {} }, { id: 'string', extension: 'Extension*' }))
}

/**
 * An element of a type we do not model. Extensions and codings have one type wherever
 * they appear, so they still get their real checks; every other key is generic.
 */
export function genericElementStructure(): CompiledStructure {
  return cached('generic-element', () =>
    compile('Element', { elements: { coding: 'Coding*' } }, { extension: 'Extension*', modifierExtension: 'Extension*' }),
  )
}

function cached(key: string, make: () => CompiledStructure): CompiledStructure {
  let structure = compiled.get(key)
  if (!structure) compiled.set(key, (structure = make()))
  return structure
}

export function isPrimitiveType(type: string): boolean {
  return primitiveTypes.has(type)
}
