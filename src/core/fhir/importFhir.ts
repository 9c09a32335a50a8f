import type { Scope } from '../scopes.ts'
import { describeResource } from './describeResource.ts'
import { FhirValidationError } from './fhirErrors.ts'
import type { FhirResource } from './fhirTypes.ts'
import { checkResource } from './fhirWalker.ts'
import { utf8Length } from './primitives.ts'
import { maxBundleEntries } from './recordResourceDefinitions.ts'
import { scopeOfResource } from './scopeOfResource.ts'
import { resolveBundleReferences } from './resolveBundleReferences.ts'

export type ImportedRecord = { resource: FhirResource; scope: Scope; title: string; date: string | undefined }
export type RejectedItem = { item: string; reason: string }
export type ParseFhirImportParameters = { fileName: string }
export type ParseFhirImportReturnType = { accepted: ImportedRecord[]; rejected: RejectedItem[] }

/** Larger files are refused before parsing: the browser must stay responsive. */
export const maxImportBytes = 20 * 1024 * 1024

function reasonOf(error: unknown): string {
  if (error instanceof FhirValidationError) return `${error.path} ${error.reason}.`
  return error instanceof Error ? error.message : String(error)
}

function record(resource: FhirResource): ImportedRecord {
  const { title, date } = describeResource(resource)
  return { resource, scope: scopeOfResource(resource), title, date }
}

/**
 * Read a FHIR JSON (or NDJSON) file a patient picked. A Bundle is split into its
 * entries, each validated on its own, so one bad entry costs only itself. Never throws
 * for bad input: every problem becomes a rejected item with a reason a person can read.
 */
export function parseFhirImport(text: string, { fileName }: ParseFhirImportParameters): ParseFhirImportReturnType {
  const result: ParseFhirImportReturnType = { accepted: [], rejected: [] }
  const reject = (item: string, reason: string) => result.rejected.push({ item, reason })
  // Length in UTF-16 units never exceeds the UTF-8 size, so the cheap test goes first.
  if (text.length > maxImportBytes || utf8Length(text) > maxImportBytes) {
    reject(fileName, `The file is larger than ${maxImportBytes / 1048576} MB; split it or export fewer records.`)
    return result
  }
  let json: unknown
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (error) {
    if (/\.ndjson$/i.test(fileName)) return parseLines(text, fileName, result)
    reject(fileName, `The file is not valid JSON (${error instanceof Error ? error.message : 'parse error'}); it may be truncated or not a FHIR file.`)
    return result
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || !('resourceType' in json)) {
    reject(fileName, 'The file is JSON but not a FHIR resource: it has no resourceType.')
    return result
  }
  if ((json as { resourceType: unknown }).resourceType === 'Bundle') splitBundle(json as Record<string, unknown>, fileName, result)
  else acceptOne(json, fileName, result)
  return result
}

function acceptOne(json: unknown, item: string, result: ParseFhirImportReturnType, path?: string): void {
  try {
    const type = (json as { resourceType?: unknown }).resourceType
    result.accepted.push(record(checkResource(json, path ?? (typeof type === 'string' ? type.slice(0, 64) : 'Resource'))))
  } catch (error) {
    result.rejected.push({ item, reason: reasonOf(error) })
  }
}

/** Newline-delimited JSON (FHIR bulk export): one resource per line. */
function parseLines(text: string, fileName: string, result: ParseFhirImportReturnType): ParseFhirImportReturnType {
  const lines = text.split(/\r?\n/)
  lines.forEach((line, index) => {
    if (line.trim() === '') return
    const item = `${fileName} line ${index + 1}`
    let json: unknown
    try {
      json = JSON.parse(line)
    } catch {
      result.rejected.push({ item, reason: 'This line is not valid JSON.' })
      return
    }
    acceptOne(json, item, result)
  })
  return result
}

function splitBundle(bundle: Record<string, unknown>, fileName: string, result: ParseFhirImportReturnType): void {
  const { entry, ...shell } = bundle
  // The Bundle's own elements (type, timestamp, …) must be valid before entries are trusted.
  try {
    checkResource(shell, 'Bundle')
  } catch (error) {
    result.rejected.push({ item: fileName, reason: reasonOf(error) })
    return
  }
  if (entry === undefined) return
  if (!Array.isArray(entry)) {
    result.rejected.push({ item: fileName, reason: 'Bundle.entry must be a list.' })
    return
  }
  if (entry.length > maxBundleEntries) {
    result.rejected.push({ item: fileName, reason: `The Bundle has ${entry.length} entries; at most ${maxBundleEntries} can be imported at once.` })
    return
  }
  const valid: { index: number; resource: FhirResource; fullUrl?: string }[] = []
  const seenUrls = new Set<string>()
  entry.forEach((item: unknown, index) => {
    const label = `${fileName} entry ${index}`
    try {
      // Each entry is checked as the only entry of a collection, so its own rules apply.
      const path = `Bundle.entry[${index}]`
      const fullUrl = (item as { fullUrl?: unknown } | null)?.fullUrl
      checkResource({ resourceType: 'Bundle', type: 'collection', entry: [item] }, 'Bundle')
      if (typeof fullUrl === 'string' && seenUrls.has(fullUrl)) throw new FhirValidationError(`${path}.fullUrl`, 'repeats the fullUrl of an earlier entry')
      const resource = (item as { resource?: FhirResource }).resource
      if (!resource) throw new FhirValidationError(`${path}.resource`, 'is missing, so there is no record to import')
      if (typeof fullUrl === 'string') seenUrls.add(fullUrl)
      valid.push({ index, resource, ...(typeof fullUrl === 'string' ? { fullUrl } : {}) })
    } catch (error) {
      const type = (item as { resource?: { resourceType?: unknown } } | null)?.resource?.resourceType
      const shown = typeof type === 'string' ? `${label} (${type.slice(0, 64)})` : label
      result.rejected.push({ item: shown, reason: reasonOf(error).replace(/^Bundle\.entry\[0\]/, `Bundle.entry[${index}]`) })
    }
  })
  for (const resource of resolveBundleReferences(valid)) result.accepted.push(record(resource))
}
