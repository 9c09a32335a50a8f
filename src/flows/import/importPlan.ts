// The import pipeline's interface (docs: /work/briefs/interfaces14.md, s4-import owns the real
// one in src/core/fhir/import). Until it lands, a thin adapter over the old parseFhirImport with
// the same signatures, so the worker, flow and UI are written against the final shape. Pure: no
// DOM, usable inside a Worker.
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { Scope } from '../../core/scopes.ts'
import { parseFhirImport } from '../../core/fhir/importFhir.ts'

export type ImportPerson = { key: string; name: string; birthDate?: string; gender?: string; identifiers: string[]; records: number }
export type PlannedRecord = { item: string; resource: FhirResource; scope: Scope; title: string; date?: string; personKey?: string; fingerprint: string }
export type RejectedItem = { item: string; reason: string }
export type ImportPlan = {
  fileName: string
  people: ImportPerson[]
  records: PlannedRecord[]
  rejected: RejectedItem[]
  context: number
  verification?: { kind: 'smart-health-card'; verified: boolean; issuer: string; detail: string }
}
export type SetAsideItem = RejectedItem & { person: string }

const contextTypes = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication', 'RelatedPerson', 'Device'])

/** Same record imported twice => same fingerprint: sha256 of its canonical JSON without meta and narrative. */
export function recordFingerprint(resource: FhirResource): string {
  const { meta: _meta, text: _text, ...rest } = resource as FhirResource & { meta?: unknown; text?: unknown }
  return bytesToHex(sha256(new TextEncoder().encode(canonicalJson(rest)))).slice(0, 32)
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value)
}

/** Reads a file into a plan: who it is about, the records, what was rejected and why. Never throws for bad input. */
export async function planFhirImport(
  input: string | Uint8Array,
  p: { fileName: string; onProgress?(done: number, total: number): void; signal?: AbortSignal },
): Promise<ImportPlan> {
  p.signal?.throwIfAborted()
  const text = typeof input === 'string' ? input : new TextDecoder().decode(input)
  const { accepted, rejected } = parseFhirImport(text, { fileName: p.fileName })
  p.signal?.throwIfAborted()
  const people: ImportPerson[] = []
  const aliases = new Map<string, string>()
  for (const fullUrl of patientFullUrls(text)) aliases.set(fullUrl.url, `Patient/${fullUrl.id}`)
  // Only a Patient in this file makes a record "about someone"; a lone record pointing elsewhere is kept as the patient's own.
  const patientKeys = new Set(accepted.flatMap(({ resource }, index) => (resource.resourceType === 'Patient' ? [`Patient/${String(resource.id ?? index)}`] : [])))
  const records: PlannedRecord[] = []
  let context = 0
  accepted.forEach(({ resource, scope, title, date }, index) => {
    if (resource.resourceType === 'Patient') {
      const key = `Patient/${String(resource.id ?? index)}`
      people.push(personOf(key, resource))
      return
    }
    if (contextTypes.has(resource.resourceType)) {
      context++
      return
    }
    const ref = subjectReference(resource)
    const key = ref === undefined ? undefined : (aliases.get(ref) ?? ref)
    const personKey = key !== undefined && patientKeys.has(key) ? key : undefined
    records.push({
      item: `${p.fileName} ${resource.resourceType}${resource.id ? `/${String(resource.id)}` : ` ${index + 1}`}`,
      resource,
      scope,
      title,
      ...(date ? { date } : {}),
      ...(personKey ? { personKey } : {}),
      fingerprint: recordFingerprint(resource),
    })
    if (records.length % 200 === 0) p.onProgress?.(records.length, accepted.length)
  })
  for (const person of people) person.records = records.filter((r) => r.personKey === person.key).length
  p.onProgress?.(accepted.length, accepted.length)
  return { fileName: p.fileName, people, records, rejected, context }
}

function personOf(key: string, resource: FhirResource): ImportPerson {
  const r = resource as FhirResource & {
    name?: { text?: string; given?: string[]; family?: string }[]
    birthDate?: string
    gender?: string
    identifier?: { system?: string; value?: string }[]
  }
  const n = r.name?.[0]
  const name = n?.text ?? ([...(n?.given ?? []), n?.family].filter(Boolean).join(' ') || 'Unnamed person')
  return {
    key,
    name,
    ...(r.birthDate ? { birthDate: r.birthDate } : {}),
    ...(r.gender ? { gender: r.gender } : {}),
    identifiers: (r.identifier ?? []).map((i) => i.value).filter((v): v is string => typeof v === 'string').slice(0, 5),
    records: 0,
  }
}

function subjectReference(resource: FhirResource): string | undefined {
  const r = resource as Record<string, unknown>
  for (const field of ['subject', 'patient', 'beneficiary']) {
    const ref = (r[field] as { reference?: unknown } | undefined)?.reference
    if (typeof ref === 'string') return ref
  }
  return undefined
}

function patientFullUrls(text: string): { url: string; id: string }[] {
  try {
    const json = JSON.parse(text) as { entry?: { fullUrl?: unknown; resource?: { resourceType?: unknown; id?: unknown } }[] }
    return (json.entry ?? []).flatMap((e) =>
      e?.resource?.resourceType === 'Patient' && typeof e.fullUrl === 'string' && typeof e.resource.id === 'string'
        ? [{ url: e.fullUrl, id: e.resource.id }]
        : [],
    )
  } catch {
    return []
  }
}

/** What to store: the chosen person's records and those about no one in particular; others set aside; duplicates skipped. */
export function chooseRecords(
  plan: ImportPlan,
  p: { personKey: string | undefined; existingFingerprints: ReadonlySet<string> },
): { toStore: PlannedRecord[]; setAside: SetAsideItem[]; duplicates: number } {
  const names = new Map(plan.people.map((person) => [person.key, person.name]))
  const toStore: PlannedRecord[] = []
  const setAside: SetAsideItem[] = []
  const seen = new Set(p.existingFingerprints)
  let duplicates = 0
  for (const record of plan.records) {
    if (record.personKey !== undefined && record.personKey !== p.personKey) {
      setAside.push({ item: record.item, reason: 'About another person in the file', person: names.get(record.personKey) ?? record.personKey })
      continue
    }
    if (seen.has(record.fingerprint)) {
      duplicates++
      continue
    }
    seen.add(record.fingerprint)
    toStore.push(record)
  }
  return { toStore, setAside, duplicates }
}

/** Rejections grouped by reason, largest group first, with the first few items of each. */
export function groupRejections(items: readonly RejectedItem[], p: { examples?: number } = {}): { reason: string; count: number; examples: string[] }[] {
  const examples = p.examples ?? 3
  const groups = new Map<string, { reason: string; count: number; examples: string[] }>()
  for (const item of items) {
    let group = groups.get(item.reason)
    if (!group) groups.set(item.reason, (group = { reason: item.reason, count: 0, examples: [] }))
    group.count++
    if (group.examples.length < examples) group.examples.push(item.item)
  }
  return [...groups.values()].sort((a, b) => b.count - a.count)
}
