import type { JsonObject } from './elementDefinitions.ts'
import { FhirValidationError } from './fhirErrors.ts'
import type { FhirResource } from './fhirTypes.ts'
import { maxAttachmentDataBytes, maxStringBytes, primitiveProblem } from './primitives.ts'
import { isR4ResourceType } from './resourceTypes.ts'
import {
  type CompiledElement,
  type CompiledStructure,
  genericElementStructure,
  genericResourceStructure,
  isPrimitiveType,
  primitiveElementStructure,
  structureOf,
} from './structureRegistry.ts'

/** Deeper nesting than this is not a health record but an attack on the parser's stack. */
export const maxDepth = 32

function fail(path: string, reason: string): never {
  throw new FhirValidationError(path, reason)
}

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function enter(path: string, depth: number): number {
  if (depth + 1 > maxDepth) fail(path, `is nested more than ${maxDepth} levels deep`)
  return depth + 1
}

function describeJson(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (value === undefined) return 'undefined'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** Validate a resource at `path` (its resourceType for a top-level resource). */
export function checkResource(value: unknown, path: string, depth = 0): FhirResource {
  if (!isPlainObject(value)) fail(path, `must be a JSON object with a resourceType, not ${describeJson(value)}`)
  const type = value.resourceType
  if (type === undefined) fail(path, 'has no resourceType, so it is not a FHIR resource')
  if (typeof type !== 'string') fail(`${path}.resourceType`, 'must be a string')
  if (!isR4ResourceType(type)) fail(`${path}.resourceType`, `${JSON.stringify(String(type).slice(0, 60))} is not a FHIR R4 resource type`)
  const structure = structureOf(type, true)
  checkStructure(value, structure ?? genericResourceStructure(type), path, depth, structure === undefined, true)
  return value as FhirResource
}

function checkStructure(value: unknown, structure: CompiledStructure, path: string, depth: number, generic = false, resource = false): void {
  if (!isPlainObject(value)) fail(path, `must be a JSON object, not ${describeJson(value)}`)
  const inner = enter(path, depth)
  const keys = Object.keys(value)
  if (keys.length === 0) fail(path, 'must not be empty')
  const chosen = new Map<string, string>()
  for (const key of keys) {
    if (resource && key === 'resourceType') continue
    const child = value[key]
    const childPath = `${path}.${key}`
    // JSON has no undefined; it would also break the canonical encoding when sealed.
    if (child === undefined) fail(childPath, 'has no value (leave the element out instead)')
    // FHIR element names are camelCase words; anything else (spaces, __proto__) is not FHIR.
    if (generic && !/^_?[a-z][A-Za-z0-9]{0,63}$/.test(key)) fail(`${path}[${JSON.stringify(key.slice(0, 64))}]`, 'is not a valid FHIR element name')
    if (key.startsWith('_')) {
      checkPrimitiveExtension(value, key, structure, generic, childPath, inner)
      continue
    }
    const match = structure.keys.get(key)
    if (!match) {
      if (generic) checkGeneric(child, childPath, inner, value, key)
      else fail(childPath, `is not an element of ${structure.name} in FHIR R4`)
      continue
    }
    const earlier = chosen.get(match.element.name)
    if (earlier !== undefined) fail(childPath, `cannot be given together with ${earlier} (only one ${match.element.name}[x] is allowed)`)
    chosen.set(match.element.name, key)
    checkElement(value, key, child, match.element, match.type, childPath, inner)
  }
  for (const element of structure.elements) {
    if ((element.card === '!' || element.card === '+') && !chosen.has(element.name) && !hasPrimitiveExtension(value, element)) {
      const name = element.types.length > 1 ? `${element.name}[x]` : element.name
      fail(`${path}.${name}`, 'is required')
    }
  }
  for (const invariant of structure.invariants) {
    const problem = invariant(value)
    if (problem) fail(problem.at ? `${path}.${problem.at}` : path, problem.reason)
  }
}

function hasPrimitiveExtension(value: JsonObject, element: CompiledElement): boolean {
  return element.types.length === 1 && isPrimitiveType(element.types[0]!) && value[`_${element.name}`] !== undefined
}

function checkElement(parent: JsonObject, key: string, value: unknown, element: CompiledElement, type: string, path: string, depth: number): void {
  if (element.card === '*' || element.card === '+') {
    if (!Array.isArray(value)) fail(path, `must be a list, not ${describeJson(value)}`)
    if (value.length === 0) fail(path, 'must not be an empty list (leave it out instead)')
    if (element.maxItems !== undefined && value.length > element.maxItems) fail(path, `has ${value.length} items; at most ${element.maxItems} are allowed`)
    const inner = enter(path, depth)
    const extensions = parent[`_${key}`]
    value.forEach((item, index) => {
      // A primitive list may hold null where its _key twin carries the extension.
      if (item === null && isPrimitiveType(type) && Array.isArray(extensions) && extensions[index] != null) return
      checkValue(item, element, type, `${path}[${index}]`, inner)
    })
    return
  }
  if (Array.isArray(value)) fail(path, 'must be a single value, not a list')
  checkValue(value, element, type, path, depth)
}

function checkValue(value: unknown, element: CompiledElement, type: string, path: string, depth: number): void {
  if (isPrimitiveType(type)) {
    // Attachment.data and Binary.data carry whole files; everything else is text-sized.
    const limit = element.name === 'data' && type === 'base64Binary' ? maxAttachmentDataBytes : maxStringBytes
    const problem = primitiveProblem(type, value, limit)
    if (problem) fail(path, problem)
    if (element.values && !element.values.has(value as string)) {
      fail(path, `${JSON.stringify(value)} is not one of: ${[...element.values].join(', ')}`)
    }
    return
  }
  if (element.structure) return checkStructure(value, element.structure, path, depth)
  if (type === 'Resource') {
    checkResource(value, path, depth)
    return
  }
  const structure = structureOf(type)
  if (!structure) return checkGeneric(value, path, depth)
  checkStructure(value, structure, path, depth)
  if (element.system) checkBinding(value as JsonObject, element, path)
}

/** A required binding: the concept must carry a known code from the bound system. */
function checkBinding(concept: JsonObject, element: CompiledElement, path: string): void {
  const codings = (Array.isArray(concept.coding) ? concept.coding : []) as JsonObject[]
  const fromSystem = codings.filter((coding) => coding.system === element.system)
  if (fromSystem.length === 0) fail(path, `must have a coding from ${element.system}`)
  for (const coding of fromSystem) {
    if (!element.values?.has(coding.code as string)) {
      fail(`${path}.coding`, `${JSON.stringify(coding.code)} is not one of: ${[...(element.values ?? [])].join(', ')}`)
    }
  }
}

function checkPrimitiveExtension(parent: JsonObject, key: string, structure: CompiledStructure, generic: boolean, path: string, depth: number): void {
  const name = key.slice(1)
  const match = structure.keys.get(name)
  if (!match && !generic) fail(path, `is not an element of ${structure.name} in FHIR R4`)
  if (match && !isPrimitiveType(match.type)) fail(path, `is only allowed beside a primitive element, and ${name} is not one`)
  const value = parent[key]
  if (!Array.isArray(value)) return checkStructure(value, primitiveElementStructure(), path, depth)
  const twin = parent[name]
  if (Array.isArray(twin) && twin.length !== value.length) fail(path, `must have as many items as ${name}`)
  const inner = enter(path, depth)
  value.forEach((item, index) => {
    if (item !== null) checkStructure(item, primitiveElementStructure(), `${path}[${index}]`, inner)
  })
}

/** Resource types and datatypes we do not model still get shape and size checks. */
function checkGeneric(value: unknown, path: string, depth: number, parent?: JsonObject, key?: string): void {
  if (value === null) fail(path, 'must not be null (leave the element out instead)')
  if (typeof value === 'string') {
    // An attachment's data in a type we do not model may be a whole file, if it is base64.
    const file = key === 'data' && primitiveProblem('base64Binary', value, maxAttachmentDataBytes) === undefined
    const problem = file ? undefined : primitiveProblem('string', value)
    if (problem) fail(path, problem)
    return
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail(path, 'must be a finite number')
    return
  }
  if (typeof value === 'boolean') return
  if (Array.isArray(value)) {
    if (value.length === 0) fail(path, 'must not be an empty list (leave it out instead)')
    const inner = enter(path, depth)
    const extensions = parent && key ? parent[`_${key}`] : undefined
    value.forEach((item, index) => {
      if (item === null && Array.isArray(extensions) && extensions[index] != null) return
      checkGeneric(item, `${path}[${index}]`, inner)
    })
    return
  }
  if (!isPlainObject(value)) fail(path, `must be JSON, not ${describeJson(value)}`)
  if (value.resourceType !== undefined) {
    checkResource(value, path, depth)
    return
  }
  checkStructure(value, genericElementStructure(), path, depth, true)
}
