// A copy of test/support/syntheaLike.ts: benchmarks and tests do not import each other (test/unit/testBenchBoundaries.test.ts).
// A FHIR Bundle shaped like a Synthea patient export (urn:uuid fullUrls, a Patient, encounters
// with conditions, observations, immunizations and medication requests pointing to it), for
// tests and benches until s4-import's real Synthea fixture is in test/fixtures/fhir. Valid
// for the old importer (no conditional references).
type Entry = { fullUrl: string; resource: Record<string, unknown>; request?: { method: string; url: string } }

export function syntheaLikeBundle(p: { patients?: number; recordsPerPatient: number; seed?: number; type?: 'transaction' | 'collection' }): {
  resourceType: 'Bundle'
  type: string
  entry: Entry[]
} {
  const entry: Entry[] = []
  const seed = p.seed ?? 1
  const names = [['Ana', 'Lopez'], ['Ben', 'Okafor'], ['Chen', 'Wei'], ['Dora', 'Novak'], ['Eli', 'Haddad'], ['Fay', 'Ito']]
  for (let n = 0; n < (p.patients ?? 1); n++) {
    const patientId = `p${seed}-${n}-0000-4000-8000-000000000000`
    const patientUrl = `urn:uuid:${patientId}`
    const [given, family] = names[n % names.length]!
    entry.push({
      fullUrl: patientUrl,
      resource: {
        resourceType: 'Patient',
        id: patientId,
        name: [{ use: 'official', given: [given], family }],
        gender: n % 2 ? 'male' : 'female',
        birthDate: `19${60 + n}-0${1 + (n % 9)}-1${n % 10}`,
      },
    })
    const subject = { reference: patientUrl }
    for (let i = 0; i < p.recordsPerPatient; i++) {
      const day = new Date(Date.UTC(2000, 0, 1) + (i * 7 + n) * 86_400_000).toISOString()
      const id = `r${seed}-${n}-${i}`
      const kind = i % 4
      const resource =
        kind === 0
          ? { resourceType: 'Encounter', id, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up (procedure)' }], text: 'Encounter for check up' }], subject, period: { start: day, end: day } }
          : kind === 1
            ? { resourceType: 'Condition', id, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] }, verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] }, code: { coding: [{ system: 'http://snomed.info/sct', code: '444814009', display: 'Viral sinusitis (disorder)' }], text: `Viral sinusitis episode ${i}` }, subject, onsetDateTime: day, recordedDate: day }
            : kind === 2
              ? { resourceType: 'Observation', id, status: 'final', category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }], code: { coding: [{ system: 'http://loinc.org', code: '8302-2', display: 'Body Height' }], text: 'Body Height' }, subject, effectiveDateTime: day, valueQuantity: { value: 150 + (i % 40), unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' } }
              : { resourceType: 'Immunization', id, status: 'completed', vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140', display: 'Influenza, seasonal, injectable, preservative free' }], text: 'Influenza vaccine' }, patient: subject, occurrenceDateTime: day, primarySource: true }
      entry.push({ fullUrl: `urn:uuid:${id}`, resource, ...(p.type === 'transaction' ? { request: { method: 'POST', url: resource.resourceType } } : {}) })
    }
  }
  return { resourceType: 'Bundle', type: p.type ?? 'collection', entry }
}
