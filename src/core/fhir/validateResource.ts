import type { FhirValidationError } from './fhirErrors.ts'
import type { FhirResource } from './fhirTypes.ts'
import { checkResource } from './fhirWalker.ts'

export type ValidateResourceErrorType = FhirValidationError

/**
 * Check untrusted JSON against FHIR R4: resource type, element names and types,
 * cardinality, required value sets and invariants for the types the vault holds
 * (generic shape checks for the rest), and size and depth limits. Returns the same
 * object, typed; throws FhirValidationError naming the first problem's path.
 */
export function validateResource(json: unknown): FhirResource {
  const root = typeof (json as { resourceType?: unknown } | null)?.resourceType === 'string'
    ? (json as { resourceType: string }).resourceType.slice(0, 64)
    : 'Resource'
  // The depth limit also stops cyclic object graphs a caller might pass.
  return checkResource(json, root)
}
