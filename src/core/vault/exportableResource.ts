import type { FhirResource } from '../fhir/fhirTypes.ts'
import { attachmentUrl } from '../fhir/recordForms.ts'

/** Attachments up to this size are inlined as base64 in exports; larger ones stay references (the UI says so). */
export const maxInlineAttachmentBytes = 20 * 1024 * 1024

type Attachment = { name: string; contentType: string; size: number; read(): AsyncIterable<Uint8Array> }

/**
 * A copy of the resource fit for export: a note's file goes into its FHIR Attachment
 * (the DocumentReference attachment with url 'salus:attachment', else the first; or
 * `Media.content`) as `data`, so the
 * export is self-contained. The stored resource is never modified.
 */
export async function exportableResource(resource: FhirResource, attachment?: Attachment): Promise<FhirResource> {
  if (!attachment || attachment.size > maxInlineAttachmentBytes) return resource
  const copy = structuredClone(resource) as FhirResource
  const target = attachmentElement(copy)
  if (!target) return resource
  const bytes = await readAll(attachment, maxInlineAttachmentBytes)
  target.data = toBase64(bytes)
  // 'salus:attachment' means "the encrypted file beside the record"; once inlined it points nowhere.
  if (target.url === attachmentUrl) delete target.url
  target.contentType ??= attachment.contentType
  target.title ??= attachment.name
  target.size ??= bytes.byteLength
  return copy
}

function attachmentElement(resource: FhirResource): Record<string, unknown> | undefined {
  if (resource.resourceType === 'DocumentReference' && Array.isArray(resource.content)) {
    const content = resource.content as { attachment?: Record<string, unknown> }[]
    // Notes from our forms mark the file by url; imported ones are assumed to list it first.
    const marked = content.find((c) => c?.attachment?.url === attachmentUrl)
    const first = marked ?? content[0]
    if (first) return (first.attachment ??= {})
  }
  if (resource.resourceType === 'Media') {
    if (typeof resource.content !== 'object' || resource.content === null) resource.content = {}
    return resource.content as Record<string, unknown>
  }
  return undefined
}

async function readAll(attachment: Attachment, limit: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  let length = 0
  for await (const part of attachment.read()) {
    length += part.byteLength
    if (length > limit) throw new RangeError('attachment is larger than its recorded size')
    parts.push(part)
  }
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

export function toBase64(bytes: Uint8Array): string {
  let out = ''
  // 3-byte multiples keep each piece's padding at the very end only.
  const step = 3 * 8192
  for (let i = 0; i < bytes.byteLength; i += step) {
    out += btoa(String.fromCharCode(...bytes.subarray(i, i + step)))
  }
  return out
}
