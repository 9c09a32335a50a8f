import type { FhirResource } from '../fhirTypes.ts'

/** One problem @medplum/core found: where (FHIRPath) and what. */
export type FhirIssue = { path: string; message: string }

export type FhirValidator = {
  isResourceType(type: string): boolean
  /** The errors in one resource; empty when it is valid FHIR R4. */
  check(resource: FhirResource): FhirIssue[]
}

let loading: Promise<FhirValidator> | undefined

/**
 * @medplum/core's validator with the R4 definitions (generated/r4Definitions.json, about
 * 2.3 MB). Both are imported here, dynamically, so they load only when a file is imported
 * (in the import worker) and never in the app's first bundle.
 */
export function loadFhirValidator(): Promise<FhirValidator> {
  loading ??= (async () => {
    const [core, definitions] = await Promise.all([import('@medplum/core'), import('./generated/r4Definitions.json')])
    core.indexStructureDefinitionBundle((definitions.default ?? definitions) as Parameters<typeof core.indexStructureDefinitionBundle>[0])
    return {
      isResourceType: (type) => core.isResourceType(type),
      check(resource) {
        try {
          core.validateResource(resource as Parameters<typeof core.validateResource>[0])
          return []
        } catch (error) {
          const issues = (error as { outcome?: { issue?: { severity?: string; expression?: string[]; details?: { text?: string } }[] } }).outcome?.issue
          if (!issues) return [{ path: resource.resourceType, message: error instanceof Error ? error.message : String(error) }]
          return issues
            .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
            .map((issue) => ({ path: issue.expression?.[0] ?? resource.resourceType, message: issue.details?.text ?? 'is not valid' }))
        }
      },
    }
  })()
  return loading
}
