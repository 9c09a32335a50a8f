// The FHIR fixtures come inside the repository (test/fixtures/fhir, sources and licences in
// its SOURCES.md): a fresh clone's tests read nothing outside it.
import { fileURLToPath } from 'node:url'

export const fhirFixtures = fileURLToPath(new URL('../fixtures/fhir', import.meta.url))
