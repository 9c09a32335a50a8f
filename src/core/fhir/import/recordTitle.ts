import { describeResource, resourceTypeLabel } from '../describeResource.ts'
import { conceptText, humanNameText, text } from '../fhirText.ts'
import type { FhirResource } from '../fhirTypes.ts'

// Where a record names what it is, when its describer gives only the type.
const namingElements = ['code', 'type', 'vaccineCode', 'medicationCodeableConcept', 'procedureCode', 'description', 'relationship', 'category', 'class', 'serviceType', 'reasonCode']

function naming(resource: FhirResource): string | undefined {
  for (const name of namingElements) {
    const value = resource[name]
    const first = Array.isArray(value) ? value[0] : value
    const words = conceptText(first) ?? text((first as { display?: unknown } | undefined)?.display)
    if (words) return words
  }
  // An imaging study names its body site and modality in its first series.
  const series = Array.isArray(resource.series) ? (resource.series[0] as Record<string, unknown> | undefined) : undefined
  const imaging = series ? [conceptText(series.bodySite) ?? text((series.bodySite as { display?: unknown } | undefined)?.display), text((series.modality as { display?: unknown } | undefined)?.display)].filter(Boolean).join(', ') : ''
  if (imaging) return imaging
  const name = Array.isArray(resource.name) ? humanNameText(resource.name[0]) : text(resource.name)
  // A questionnaire's answers are named by the questionnaire's canonical URL: its last segment reads best.
  const questionnaire = text(resource.questionnaire)?.split('|')[0]?.split('/').pop()
  return text(resource.description) ?? text(resource.title) ?? name ?? questionnaire ?? whoDisplay(resource)
}

/** Last resort: who keeps or made it ("Care team: AP Medical LLC"). */
function whoDisplay(resource: FhirResource): string | undefined {
  for (const name of ['managingOrganization', 'performer', 'author', 'recorder', 'organization']) {
    const value = resource[name]
    const display = text(((Array.isArray(value) ? value[0] : value) as { display?: unknown } | undefined)?.display)
    if (display) return display
  }
  return undefined
}

/**
 * The title and clinical date a list shows: describeResource's, or "Type: words from its
 * code" when the describer has only the bare type.
 */
export function recordTitle(resource: FhirResource): { title: string; date?: string } {
  const { title, date } = describeResource(resource)
  const label = resourceTypeLabel(resource.resourceType)
  const words = title === label ? naming(resource) : undefined
  const shown = words ? `${label}: ${words}` : title
  return date ? { title: shown, date } : { title: shown }
}
