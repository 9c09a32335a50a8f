import { FhirValidationError } from '../fhirErrors.ts'
import type { FhirResource } from '../fhirTypes.ts'
import { scopeOfResource } from '../scopeOfResource.ts'
import { validateResource } from '../validateResource.ts'
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { canonicalJson } from '../../envelope/canonicalJson.ts'
import { contextTypes } from './contextTypes.ts'
import { ImportPeople } from './importPeople.ts'
import type { ImportPlan, PlannedRecord } from './importPlan.ts'
import { issueReason } from './issueReason.ts'
import { linkRecord } from './linkRecord.ts'
import { loadFhirValidator } from './loadFhirValidator.ts'
import { itemsOfJson, readImportFile, type ImportItem } from './readImportFile.ts'
import { recordFingerprint } from './recordFingerprint.ts'
import { recordTitle } from './recordTitle.ts'
import { ResourceAddresses } from './resourceAddresses.ts'
import { readSmartHealthCard } from './smartHealthCard.ts'

export type PlanFhirImportParameters = {
  fileName: string
  onProgress?(done: number, total: number): void
  signal?: AbortSignal
}
export type PlanFhirImportReturnType = ImportPlan

/** Longest stretch of work between two yields, so a worker answers "cancel" and progress stays smooth. */
const sliceMs = 20
const validId = /^[A-Za-z0-9\-.]{1,64}$/

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0))

/** Runs `step` on each item, yielding to the event loop every `sliceMs` and checking `signal` there. */
async function inSlices<T>(items: readonly T[], step: (item: T, index: number) => void, p: { signal?: AbortSignal; progress(done: number): void }): Promise<void> {
  let since = performance.now()
  for (let index = 0; index < items.length; index++) {
    step(items[index]!, index)
    if (performance.now() - since >= sliceMs) {
      p.progress(index + 1)
      await nextTask()
      p.signal?.throwIfAborted()
      since = performance.now()
    }
  }
  p.progress(items.length)
  p.signal?.throwIfAborted()
}

type Valid = { item: string; resource: FhirResource; fullUrl?: string }

/** An id for a resource the file gave none: its urn:uuid, or a hash of its content (the same every time). */
function assignedId(resource: FhirResource, fullUrl: string | undefined): string {
  const uuid = fullUrl ? /^urn:uuid:([A-Za-z0-9\-.]{1,64})$/.exec(fullUrl)?.[1] : undefined
  return uuid ?? bytesToHex(sha256(utf8ToBytes(canonicalJson(resource)))).slice(0, 32)
}

function storableReason(error: unknown): string {
  if (error instanceof FhirValidationError) return `Salus cannot keep it as it is: ${error.path} ${error.reason}.`
  return error instanceof Error ? error.message : String(error)
}

/**
 * Read a FHIR file a patient picked (resources, Bundles of any type, NDJSON, SMART Health
 * Cards), validate each resource with @medplum/core against FHIR R4, and plan what to
 * store: records with their person, title, scope and fingerprint; context resources kept
 * inside the records that point to them; every refused item with a reason. Pure: stores
 * nothing. Never throws for bad input, only an AbortError when `signal` aborts.
 */
export async function planFhirImport(input: string | Uint8Array, p: PlanFhirImportParameters): Promise<PlanFhirImportReturnType> {
  const { fileName, signal } = p
  const plan: ImportPlan = { fileName, people: [], records: [], rejected: [], context: 0 }
  signal?.throwIfAborted()
  let read = readImportFile(input, fileName)
  if (read.kind === 'smart-health-card') {
    const card = await readSmartHealthCard(read.text, { fileName })
    if (card.verification) plan.verification = card.verification
    if (card.kind === 'refused') {
      plan.rejected.push({ item: fileName, reason: card.reason })
      return plan
    }
    read = itemsOfJson(card.bundle, fileName)
  }
  if (read.kind !== 'items') {
    plan.rejected.push({ item: fileName, reason: read.kind === 'refused' ? read.reason : 'This file could not be read.' })
    return plan
  }
  plan.context += read.skipped
  const validator = await loadFhirValidator()
  const total = read.items.length * 2
  const valid: Valid[] = []
  const check = (entry: ImportItem): void => {
    if (entry.problem) return void plan.rejected.push({ item: entry.item, reason: entry.problem })
    const json = entry.json
    const type = (json as { resourceType?: unknown } | null)?.resourceType
    if (typeof json !== 'object' || json === null || Array.isArray(json) || typeof type !== 'string') {
      return void plan.rejected.push({ item: entry.item, reason: 'This is not a FHIR resource: it has no resourceType.' })
    }
    if (!validator.isResourceType(type)) {
      return void plan.rejected.push({ item: entry.item, reason: `"${type.slice(0, 64)}" is not a FHIR R4 resource type (a misspelling, or a resource of another FHIR version?).` })
    }
    // A Bundle arrives without its entries (they are items of their own): rules about entries wait for them.
    const issues = validator.check(json as FhirResource).filter((issue) => type !== 'Bundle' || !/^Constraint bdl-/.test(issue.message))
    if (issues.length > 0) return void plan.rejected.push({ item: entry.item, reason: issueReason(issues) })
    // A Bundle's own elements were checked; its entries are items of their own.
    if (type === 'Bundle') return
    valid.push({ item: entry.item, resource: structuredClone(json) as FhirResource, ...(entry.fullUrl ? { fullUrl: entry.fullUrl } : {}) })
  }
  const items = read.items
  await inSlices(items, check, { ...(signal ? { signal } : {}), progress: (done) => p.onProgress?.(done, total) })

  for (const { resource, fullUrl } of valid) if (!resource.id || !validId.test(resource.id)) resource.id = assignedId(resource, fullUrl)
  const resources = valid.map((entry) => entry.resource)
  const addresses = new ResourceAddresses(valid)
  const people = new ImportPeople(resources, addresses)
  const titles = new Map<number, string>()
  const title = (index: number): string => {
    let known = titles.get(index)
    if (known === undefined) titles.set(index, (known = recordTitle(resources[index]!).title))
    return known
  }
  const link = { addresses, resources, title }
  const planRecord = (entry: Valid, index: number): void => {
    const { item, resource } = entry
    if (contextTypes.has(resource.resourceType)) {
      plan.context += 1
      return
    }
    let record: FhirResource
    try {
      record = validateResource(linkRecord(resource, link))
    } catch (error) {
      plan.rejected.push({ item, reason: storableReason(error) })
      return
    }
    const shown = recordTitle(record)
    const planned: PlannedRecord = { item, resource: record, scope: scopeOfResource(record), title: shown.title, fingerprint: recordFingerprint(record) }
    if (shown.date) planned.date = shown.date
    const personKey = people.personOf(index)
    if (personKey) planned.personKey = personKey
    plan.records.push(planned)
  }
  await inSlices(valid, planRecord, { ...(signal ? { signal } : {}), progress: (done) => p.onProgress?.(items.length + done, total) })
  p.onProgress?.(total, total)
  plan.people = people.people
  return plan
}
