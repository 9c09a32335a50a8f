// A doctor opens a patient with many records in Chromium (issue 11): the allergies,
// current medications and active problems come first, on a first screen of their own,
// then the rest grouped by kind and searchable. Newcomer Pia imports a history and shares
// it with Dr. Lukas Weber on the real local network (anvil, care nodes, proxies).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchProfile, watchPage } from './support/browser.ts'
import { acceptConsent, openPatient, openSection, sharedRecords, shareWith, untilOrAlert, waitUntilReachable } from './support/consentPage.ts'
import { choosePerson, recordCount, signIn } from './support/vaultPage.ts'

const appUrl = inject('appUrl')
const doctorName = 'Dr. Lukas Weber'
const labs = 80

/** A history of many records: lab results, one allergy, a current and a stopped medication, an active and a resolved problem. */
function historyBundle() {
  const subject = { reference: 'Patient/pia' }
  const entry: unknown[] = [{ resource: { resourceType: 'Patient', id: 'pia', name: [{ family: 'Park', given: ['Pia'] }], birthDate: '1980-04-02' } }]
  for (let i = 0; i < labs; i++) {
    // The labs are the newest records: a flat newest-first list would bury the allergy under them.
    const date = new Date(Date.UTC(2020, 0, 1) + i * 7 * 86_400_000).toISOString().slice(0, 10)
    entry.push({
      resource: {
        resourceType: 'Observation',
        status: 'final',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }], text: `Glucose ${i + 1}` },
        subject,
        effectiveDateTime: date,
        valueQuantity: { value: 90 + (i % 20), unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
      },
    })
  }
  const clinical = (system: string, code: string) => ({ coding: [{ system: `http://terminology.hl7.org/CodeSystem/${system}`, code }] })
  entry.push({ resource: { resourceType: 'AllergyIntolerance', clinicalStatus: clinical('allergyintolerance-clinical', 'active'), criticality: 'high', code: { text: 'Penicillin' }, patient: subject, recordedDate: '2001-03-04' } })
  entry.push({ resource: { resourceType: 'MedicationStatement', status: 'active', medicationCodeableConcept: { text: 'Metformin 500 mg' }, subject, effectiveDateTime: '2019-01-01' } })
  entry.push({ resource: { resourceType: 'MedicationStatement', status: 'stopped', medicationCodeableConcept: { text: 'Amoxicillin 250 mg' }, subject, effectiveDateTime: '2000-01-01' } })
  entry.push({ resource: { resourceType: 'Condition', clinicalStatus: clinical('condition-clinical', 'active'), code: { text: 'Type 2 diabetes' }, subject, onsetDateTime: '2018-06-01' } })
  entry.push({ resource: { resourceType: 'Condition', clinicalStatus: clinical('condition-clinical', 'resolved'), code: { text: 'Viral sinusitis' }, subject, onsetDateTime: '2015-02-01' } })
  return { resourceType: 'Bundle', type: 'collection', entry }
}

let patient: Awaited<ReturnType<typeof launchProfile>>
let doctor: Awaited<ReturnType<typeof launchProfile>>
let patientPage: Page
let doctorPage: Page
const errors: string[] = []

async function firstPage(context: BrowserContext) {
  const page = context.pages()[0] ?? (await context.newPage())
  errors.push(...watchPage(page).errors)
  return page
}

beforeAll(async () => {
  ;[patient, doctor] = await Promise.all([launchProfile(), launchProfile()])
  patientPage = await firstPage(patient.context)
  doctorPage = await firstPage(doctor.context)
})
afterAll(async () => {
  await Promise.allSettled([patient?.dispose(), doctor?.dispose()])
})

describe('a doctor opens a whole history', () => {
  it('sees allergies, current medications and active problems first, then every record grouped by kind and searchable', async () => {
    await signIn(doctorPage, appUrl, /Lukas Weber/)
    await waitUntilReachable(doctorPage)
    await signIn(patientPage, appUrl, /Newcomer Pia/)
    const bundle = historyBundle()
    await patientPage.getByLabel('Import FHIR file').setInputFiles({ name: 'history.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bundle)) })
    await choosePerson(patientPage, /Pia/)
    await expect.poll(() => recordCount(patientPage), { timeout: 120_000 }).toBeGreaterThanOrEqual(labs + 5)

    await shareWith(patientPage, doctorName, ['Allergies', 'Medications', 'Conditions', 'Lab results'], 'Pia (many records)')
    await untilOrAlert(patientPage, patientPage.getByText(`Consent sent to ${doctorName}`), 180_000)
    await acceptConsent(doctorPage, 'Pia (many records)')

    // Which record titles appear, in order, anywhere in the doctor's view.
    await doctorPage.evaluate(`(() => {
      const seen = new Set()
      window.__appeared = []
      const look = () => {
        for (const button of document.querySelectorAll('[data-testid="first-screen"] button, [aria-label="Shared records"] button')) {
          const title = button.textContent.trim()
          if (!seen.has(title)) { seen.add(title); window.__appeared.push(title) }
        }
      }
      new MutationObserver(look).observe(document.body, { subtree: true, childList: true, characterData: true })
    })()`)
    expect(await openPatient(doctorPage, 'Pia (many records)')).toBe('')
    await expect.poll(() => sharedRecords(doctorPage).count(), { timeout: 60_000 }).toBe(labs + 5)

    // The allergy, the current medication and the active problem were on screen before any lab result.
    const appeared = (await doctorPage.evaluate('window.__appeared')) as string[]
    const firstLab = appeared.findIndex((title) => /Glucose/.test(title))
    for (const title of ['Penicillin', 'Metformin 500 mg', 'Type 2 diabetes']) {
      expect(appeared.indexOf(title), `${title} in ${appeared.slice(0, 8).join(', ')}`).toBeGreaterThanOrEqual(0)
      expect(appeared.indexOf(title)).toBeLessThan(firstLab)
    }

    // The first screen holds only what holds now: no stopped medication, no resolved problem.
    const screen = doctorPage.getByTestId('first-screen')
    expect(await screen.getByRole('list', { name: 'Allergies' }).getByRole('button').allTextContents()).toEqual(['Penicillin'])
    expect(await screen.getByRole('list', { name: 'Current medications' }).getByRole('button').allTextContents()).toEqual(['Metformin 500 mg'])
    expect(await screen.getByRole('list', { name: 'Active problems' }).getByRole('button').allTextContents()).toEqual(['Type 2 diabetes'])

    // Then everything, grouped by kind in the scopes' order.
    const groups = doctorPage.getByRole('list', { name: 'Shared records' }).getByRole('heading')
    expect((await groups.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim())).toEqual(['Allergies (1)', 'Medications (2)', 'Conditions (2)', `Lab results (${labs})`])

    // Searchable: one word finds the allergy among the many.
    await doctorPage.getByLabel('Search the history').fill('penicillin')
    await expect.poll(() => sharedRecords(doctorPage).allTextContents()).toEqual(['Penicillin'])
    await doctorPage.getByLabel('Search the history').fill('')
    await expect.poll(() => sharedRecords(doctorPage).count()).toBe(labs + 5)

    // A record opens in the same record view as before.
    await sharedRecords(doctorPage).filter({ hasText: 'Penicillin' }).click()
    await doctorPage.getByRole('dialog').getByRole('heading', { name: 'Penicillin' }).waitFor()
    await doctorPage.getByRole('dialog').getByRole('button', { name: 'Close' }).click()
    await openSection(doctorPage, 'Patients')
    expect(errors).toEqual([])
  })
})
