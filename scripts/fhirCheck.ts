/**
 * npm run fhir-check -- FILE…
 *
 * Runs Salus's import pipeline (planFhirImport: the same code the app's import runs) on
 * each file and prints `FILE: accepted N, rejected M (about P people, C context resources)`,
 * then every rejection with its reason. Accepted = valid and importable, whoever it is
 * about. Exits 1 if anything was rejected (or a file could not be read), 0 otherwise.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { planFhirImport } from '../src/core/fhir/import/planFhirImport.ts'

const files = process.argv.slice(2).filter((arg) => arg !== '--')
if (files.length === 0) {
  console.error('usage: npm run fhir-check -- FILE…   (FHIR R4 JSON, Bundle, NDJSON or SMART Health Card)')
  process.exit(2)
}
let failed = false
for (const file of files) {
  let bytes: Uint8Array
  try {
    bytes = new Uint8Array(readFileSync(file))
  } catch (error) {
    console.log(`${file}: cannot be read (${error instanceof Error ? error.message : String(error)})`)
    failed = true
    continue
  }
  const plan = await planFhirImport(bytes, { fileName: basename(file) })
  const accepted = plan.records.length + plan.context
  const people = plan.people.length === 1 ? 'about 1 person' : `about ${plan.people.length} people`
  const card = plan.verification ? `; SMART Health Card ${plan.verification.verified ? 'verified' : 'NOT verified'}: ${plan.verification.detail}` : ''
  console.log(`${file}: accepted ${accepted}, rejected ${plan.rejected.length} (${people}, ${plan.context} context resources${card})`)
  for (const { item, reason } of plan.rejected) console.log(`  ${item}: ${reason}`)
  if (plan.rejected.length > 0) failed = true
}
process.exit(failed ? 1 : 0)
