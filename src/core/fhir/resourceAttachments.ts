import { asList, asObject, text } from './fhirText.ts'
import type { FhirResource } from './fhirTypes.ts'

/** A file inside a record (FHIR Attachment): inline as base64 `data`, or only a `url` the record points to. */
export type RecordAttachment = { title?: string; contentType: string; data?: string; url?: string; size?: number }

function attachmentOf(value: unknown): RecordAttachment | undefined {
  const attachment = asObject(value)
  if (!attachment) return undefined
  const data = typeof attachment.data === 'string' ? attachment.data : undefined
  const url = text(attachment.url)
  if (!data && !url) return undefined
  const result: RecordAttachment = { contentType: text(attachment.contentType) ?? 'application/octet-stream' }
  const title = text(attachment.title)
  if (title) result.title = title
  if (data) result.data = data
  if (url) result.url = url
  if (typeof attachment.size === 'number') result.size = attachment.size
  return result
}

/** Every attached file of a document, report, media or message, in order. */
export function resourceAttachments(resource: FhirResource): RecordAttachment[] {
  const values: unknown[] = []
  if (resource.resourceType === 'DocumentReference') values.push(...asList(resource.content).map((content) => asObject(content)?.attachment))
  if (resource.resourceType === 'DiagnosticReport') values.push(...asList(resource.presentedForm))
  if (resource.resourceType === 'Media') values.push(resource.content)
  if (resource.resourceType === 'Communication') values.push(...asList(resource.payload).map((payload) => asObject(payload)?.contentAttachment))
  return values.map(attachmentOf).filter((item): item is RecordAttachment => item !== undefined)
}

/** The bytes of an inline attachment; undefined when its base64 is not valid. */
export function attachmentBytes(attachment: RecordAttachment): Uint8Array | undefined {
  if (!attachment.data) return undefined
  try {
    return Uint8Array.from(atob(attachment.data.replace(/\s+/g, '')), (char) => char.charCodeAt(0))
  } catch {
    return undefined
  }
}
