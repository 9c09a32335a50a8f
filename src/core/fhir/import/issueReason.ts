import type { FhirIssue } from './loadFhirValidator.ts'

/** How many of one resource's problems a reason names; the rest are counted. */
const namedIssues = 3

/** "Observation.value[x].value" + "Invalid JSON type: expected number, but got string" → words a person can act on. */
function sentence({ path, message }: FhirIssue): string {
  const type = /^Invalid JSON type: expected (\w+), but got (\w+)/.exec(message)
  if (type) return `${path} should be a ${type[1]}, but is a ${type[2]}`
  const extra = /^Invalid additional property "(.+)"/.exec(message)
  if (extra) return `${path} is not an element FHIR R4 defines here (a misspelling, or an element of another FHIR version?)`
  if (/^Missing required property/.test(message)) return `${path} is required but missing`
  const format = /^Invalid (\w+) format/.exec(message)
  if (format) return `${path} is not a valid FHIR ${format[1]}`
  if (/^Invalid code/i.test(message)) return `${path} has a code FHIR R4 does not allow there (${message})`
  return `${path}: ${message.replace(/\.$/, '')}`
}

/** One reason for a resource's problems, naming the first few. */
export function issueReason(issues: readonly FhirIssue[]): string {
  const named = issues.slice(0, namedIssues).map(sentence)
  const more = issues.length > namedIssues ? ` (and ${issues.length - namedIssues} more problems)` : ''
  return `Not valid FHIR R4: ${named.join('; ')}${more}. Correct it in the system that exported it, or leave it out.`
}
