// The shared FHIR fixtures live beside the repository (../shared), on every machine and in CI.
import { fileURLToPath } from 'node:url'

export const fhirFixtures = fileURLToPath(new URL('../../../shared/fixtures/fhir', import.meta.url))
