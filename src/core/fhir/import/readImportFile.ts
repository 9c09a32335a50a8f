import { maxImportBytes, maxImportResources } from './importLimits.ts'

/** One resource out of a file, before validation. */
/** `problem`: why this item cannot be a resource at all (it is listed, not validated). */
export type ImportItem = { item: string; json: unknown; fullUrl?: string; problem?: string }

export type ReadImportFileReturnType =
  | { kind: 'items'; items: ImportItem[]; skipped: number }
  | { kind: 'smart-health-card'; text: string }
  | { kind: 'refused'; reason: string }

const maxNesting = 3

function decode(input: string | Uint8Array): string | undefined {
  if (typeof input === 'string') return input
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input)
  } catch {
    return undefined
  }
}

function typeOf(json: unknown): string | undefined {
  const type = (json as { resourceType?: unknown } | null)?.resourceType
  return typeof type === 'string' ? type.slice(0, 64) : undefined
}

function label(base: string, json: unknown): string {
  const type = typeOf(json)
  return type ? `${base} (${type})` : base
}

type Flattened = { items: ImportItem[]; skipped: number; refused?: string }

/** A Bundle's entries (of any Bundle type), nested Bundles opened too. */
function flattenBundle(bundle: Record<string, unknown>, base: string, out: Flattened, depth: number): void {
  const entries = bundle.entry
  if (entries === undefined) return
  if (!Array.isArray(entries)) {
    out.refused = `${base}: Bundle.entry must be a list of entries; this is not a FHIR R4 Bundle.`
    return
  }
  if (entries.length > maxImportResources) {
    out.refused = tooMany(base, entries.length)
    return
  }
  entries.forEach((entry: unknown, index) => {
    if (out.refused) return
    const where = `${base} entry ${index}`
    const object = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? (entry as Record<string, unknown>) : undefined
    const resource = object?.resource
    const fullUrl = typeof object?.fullUrl === 'string' ? object.fullUrl : undefined
    // A search's OperationOutcome is a server message, not part of anyone's record.
    if ((object?.search as { mode?: unknown } | undefined)?.mode === 'outcome') {
      out.skipped += 1
      return
    }
    if (typeOf(resource) === 'Bundle' && depth < maxNesting) {
      out.items.push({ item: label(where, resource), json: { resourceType: 'Bundle', ...shell(resource as Record<string, unknown>) } })
      flattenBundle(resource as Record<string, unknown>, where, out, depth + 1)
      return
    }
    if (resource === undefined) {
      out.items.push({ item: where, json: undefined, problem: 'This Bundle entry has no resource (a request or a response only), so there is nothing to import.' })
      return
    }
    out.items.push({ item: label(where, resource), json: resource, ...(fullUrl ? { fullUrl } : {}) })
    if (out.items.length > maxImportResources) out.refused = tooMany(base)
  })
}

function shell(bundle: Record<string, unknown>): Record<string, unknown> {
  const { entry: _entry, ...rest } = bundle
  return rest
}

function tooMany(fileName: string, count?: number): string {
  const limit = maxImportResources.toLocaleString('en')
  const holds = count === undefined ? `more than ${limit}` : count.toLocaleString('en')
  return `${fileName} holds ${holds} resources; Salus imports at most ${limit} from one file. Export fewer records at a time (for example one patient, or a shorter period) and import each file.`
}

function ndjson(text: string, fileName: string): ReadImportFileReturnType {
  const lines = text.split(/\r?\n/)
  const count = lines.reduce((n, line) => (line.trim() === '' ? n : n + 1), 0)
  if (count > maxImportResources) return { kind: 'refused', reason: tooMany(fileName, count) }
  const items: ImportItem[] = []
  lines.forEach((line, index) => {
    if (line.trim() === '') return
    const item = `${fileName} line ${index + 1}`
    try {
      const json: unknown = JSON.parse(line)
      items.push({ item: label(item, json), json })
    } catch {
      items.push({ item, json: undefined, problem: 'This line is not valid JSON; the export may be cut short. Export it again.' })
    }
  })
  return { kind: 'items', items, skipped: 0 }
}

/**
 * Turn a picked file into the resources it holds: one resource, a Bundle of any type (its
 * entries, nested Bundles opened), a JSON list, or NDJSON (bulk export, one per line). A
 * SMART Health Card is handed back as text for its own reader. Nothing is validated here,
 * but sizes are limited first.
 */
export function readImportFile(input: string | Uint8Array, fileName: string): ReadImportFileReturnType {
  const bytes = typeof input === 'string' ? input.length : input.byteLength
  if (bytes > maxImportBytes) return { kind: 'refused', reason: `${fileName} is larger than ${maxImportBytes / 1048576} MB; export fewer records at a time and import each file.` }
  const decoded = decode(input)
  if (decoded === undefined) return { kind: 'refused', reason: `${fileName} is not UTF-8 text, so it is not a FHIR JSON file (a PDF, an image or a zip?).` }
  const text = (decoded.charCodeAt(0) === 0xfeff ? decoded.slice(1) : decoded).trim()
  if (text === '') return { kind: 'refused', reason: `${fileName} is empty.` }
  if (/^shc:\//.test(text) || /\.smart-health-card$/i.test(fileName)) return { kind: 'smart-health-card', text }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    const firstLine = text.slice(0, text.indexOf('\n') >>> 0)
    const looksNdjson = /\.ndjson$/i.test(fileName) || (text.includes('\n') && isJson(firstLine))
    if (looksNdjson) return ndjson(text, fileName)
    const why = error instanceof Error ? error.message : 'parse error'
    return { kind: 'refused', reason: `${fileName} is not valid JSON (${why}); it may be cut short (an interrupted download) or not a FHIR file. Download or export it again.` }
  }
  if (typeof json === 'object' && json !== null && Array.isArray((json as { verifiableCredential?: unknown }).verifiableCredential)) {
    return { kind: 'smart-health-card', text }
  }
  return itemsOfJson(json, fileName)
}

/** The resources of parsed JSON: one resource, a Bundle (entries, nested Bundles opened) or a list. */
export function itemsOfJson(json: unknown, fileName: string): ReadImportFileReturnType {
  const out: Flattened = { items: [], skipped: 0 }
  if (Array.isArray(json)) {
    if (json.length > maxImportResources) return { kind: 'refused', reason: tooMany(fileName, json.length) }
    json.forEach((resource, index) => out.items.push({ item: label(`${fileName} item ${index}`, resource), json: resource }))
  } else if (typeOf(json) === 'Bundle') {
    out.items.push({ item: `${fileName} (Bundle)`, json: shell(json as Record<string, unknown>) })
    flattenBundle(json as Record<string, unknown>, fileName, out, 1)
  } else {
    out.items.push({ item: label(fileName, json), json })
  }
  if (out.refused) return { kind: 'refused', reason: out.refused }
  return { kind: 'items', items: out.items, skipped: out.skipped }
}

function isJson(line: string): boolean {
  try {
    JSON.parse(line)
    return true
  } catch {
    return false
  }
}
