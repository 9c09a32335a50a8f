// The care loop in Chromium on the real local network. The registrar appoints a new medical
// council (Newcomer Quinn), a new doctor (Newcomer Rosa) lists herself as Dr. Rosa Lind and the
// council certifies her, all from the app; she lands on her patients, asks Alice for access from
// a photo of Alice's QR code, Alice grants it with one confirmation, and the doctor writes back a visit note, a report with a PDF and a
// prescription while Alice's tab is closed (they wait, sealed, in Alice's mailbox).
import { mkdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchProfile, watchPage } from './support/browser.ts'
import { step } from './support/step.ts'
import { openSection, untilOrAlert, waitUntilReachable } from './support/consentPage.ts'
import { addRecord, recordButton, signIn } from './support/vaultPage.ts'
import { appointAuthority, listMyself, openRegistrySection, profileStatus, registryAction } from './support/registryPage.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'

const appUrl = inject('appUrl')
const shots = process.env.SALUS_SHOTS_DIR
const reason = 'Follow-up after your cardiology referral'
const doctorName = 'Dr. Rosa Lind'

let alice: Awaited<ReturnType<typeof launchProfile>>
let doctor: Awaited<ReturnType<typeof launchProfile>>
let alicePage: Page
let doctorPage: Page
const errors: string[] = []

async function firstPage(context: BrowserContext) {
  const page = context.pages()[0] ?? (await context.newPage())
  errors.push(...watchPage(page).errors)
  return page
}

async function shot(page: Page, name: string) {
  if (!shots) return
  await mkdir(shots, { recursive: true })
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true })
}

beforeAll(async () => {
  ;[alice, doctor] = await Promise.all([launchProfile(), launchProfile()])
  alicePage = await firstPage(alice.context)
  doctorPage = await firstPage(doctor.context)
})
afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), doctor?.dispose()])
})

describe('the care loop: a doctor asks, the patient grants, the doctor writes back', () => {
  const asked = step([], async () => {
    const config = (await (await fetch(new URL('/config/salus.config.json', appUrl))).json()) as NetworkConfig
    const accountOf = (label: string) => config.localAccounts!.find((account) => account.label === label)!.address
    // The registrar appoints a new medical council.
    const registrarProfile = await launchProfile()
    const councilProfile = await launchProfile()
    try {
      const registrar = await firstPage(registrarProfile.context)
      await signIn(registrar, appUrl, /^Registrar/)
      await appointAuthority(registrar, 'Medical council', accountOf('Newcomer Quinn'))
      // A new doctor lists herself and waits for certification.
      await signIn(doctorPage, appUrl, /Newcomer Rosa/)
      await openRegistrySection(doctorPage, 'Profile')
      await listMyself(doctorPage, { role: 'doctor', name: doctorName, specialty: 'Cardiology', licence: 'GMC-7333333', hospital: 'Harbour Health Centre' })
      await expect.poll(() => profileStatus(doctorPage).textContent(), { timeout: 60_000 }).toMatch(/^Waiting for certification by the Medical council/)
      // The new council checks her licence number and certifies her.
      const council = await firstPage(councilProfile.context)
      await signIn(council, appUrl, /Newcomer Quinn/)
      await openRegistrySection(council, 'Registry')
      const application = council.getByRole('article', { name: `Application from ${doctorName}` })
      await application.waitFor({ timeout: 60_000 })
      await application.getByLabel('Licence number on file').fill('GMC-7333333')
      await registryAction(council, () => application.getByRole('button', { name: 'Certify' }).click(), /certified and listed/)
    } finally {
      await Promise.allSettled([registrarProfile.dispose(), councilProfile.dispose()])
    }
    await doctorPage.getByRole('button', { name: 'Check again' }).click()
    await expect.poll(() => profileStatus(doctorPage).textContent(), { timeout: 60_000 }).toMatch(/^Listed in the directory as doctor/)
    // Certified, she works from Patients (the section appears without signing in again).
    await openSection(doctorPage, 'Patients')
    await doctorPage.getByRole('heading', { name: 'Patients', level: 1 }).waitFor({ timeout: 60_000 })
    await waitUntilReachable(doctorPage)

    await signIn(alicePage, appUrl, /Alice/)
    await addRecord(alicePage, 'Allergy', { Substance: 'Penicillin' })
    await openSection(alicePage, 'Sharing')
    const code = (await alicePage.getByTestId('request-code').textContent())!.trim()
    expect(code).toMatch(/^salusreq1[02-9ac-hj-np-z]{59}$/)
    await shot(alicePage, 'patient-request-code')

    const ask = doctorPage.getByRole('region', { name: 'Ask a patient for access' })
    // The doctor reads the code from a photo of the patient's QR code (the image the patient's page shows).
    const qrImage = await alicePage.getByRole('img', { name: 'QR code of your code for doctors' }).screenshot()
    await ask.getByTestId('patient-code-image').setInputFiles({ name: 'patient-code.png', mimeType: 'image/png', buffer: qrImage })
    await expect.poll(() => ask.getByLabel(/Patient’s code/).inputValue(), { timeout: 15_000 }).toBe(code)
    for (const scope of ['Allergies', 'Lab results', 'Notes and documents', 'Prescriptions']) await ask.getByRole('checkbox', { name: scope, exact: true }).check()
    await ask.getByLabel('Reason the patient will read').fill(reason)
    await ask.getByLabel('For how many days').fill('30')
    await ask.getByRole('button', { name: 'Send request' }).click()
    await untilOrAlert(doctorPage, ask.getByText(/^Request sent/))
    await ask.getByTestId('sent-request').first().getByText('Sent: waiting for the patient').waitFor()
    await shot(doctorPage, 'doctor-asked')
  })
  it('the registrar appoints a council, the council certifies a new doctor who listed herself, and she asks Alice for access from a photo of her code', asked)

  const granted = step([asked], async () => {
    // Alice's app takes requests every half minute while Salus is open.
    const request = alicePage.getByRole('article', { name: `Request from ${doctorName}` })
    await request.waitFor({ timeout: 90_000 })
    expect(await request.getByText(reason).count()).toBe(1)
    expect(await request.getByText('verified').count()).toBe(1)
    await shot(alicePage, 'patient-request')
    await request.getByRole('button', { name: 'Grant…' }).click()
    await request.getByRole('button', { name: 'Confirm and grant' }).click()
    await untilOrAlert(alicePage, alicePage.getByText(/You granted Dr\. Rosa Lind access/), 240_000)

    // The doctor: the consent arrives, the request shows granted; accepting records it on chain.
    const consent = doctorPage.getByRole('article', { name: /^Consent from / }).first()
    await consent.waitFor({ timeout: 60_000 })
    const label = ((await consent.getAttribute('aria-label')) ?? '').replace(/^Consent from /, '')
    await consent.getByRole('button', { name: 'Accept' }).click()
    await untilOrAlert(doctorPage, doctorPage.getByRole('article', { name: `Patient ${label}` }))
    await doctorPage.getByTestId('sent-request').first().getByText('Granted').waitFor({ timeout: 90_000 })
    await shot(doctorPage, 'doctor-granted')
  })
  it('Alice sees the request with the doctor’s verified entry and grants it with one confirmation', granted)

  const wroteBack = step([granted], async () => {
    await alicePage.close()
    const patient = doctorPage.getByRole('article', { name: /^Patient / }).first()
    await patient.getByRole('button', { name: /^Write back to / }).click()
    const panel = doctorPage.getByRole('region', { name: /^Write back to / })
    const send = async (kind: string, fields: Record<string, string>, file?: { name: string; mimeType: string; buffer: Buffer }) => {
      await panel.getByLabel('What').selectOption({ label: kind })
      for (const [name, value] of Object.entries(fields)) {
        const field = panel.locator(`[name="${name}"]`)
        if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value)
        else await field.fill(value)
      }
      if (file) await panel.locator('input[type=file]').setInputFiles(file)
      await panel.getByRole('button', { name: 'Sign and send' }).click()
      await untilOrAlert(doctorPage, panel.getByText(/sent: it waits|delivered to the patient/), 90_000)
    }
    await send('Visit note', { title: 'Cardiology follow-up', text: 'Blood pressure 128/82. Continue current treatment.' })
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')
    await send('Report with a PDF or image', { title: 'Echocardiogram report', conclusion: 'Normal left ventricular function.' }, { name: 'echo.pdf', mimeType: 'application/pdf', buffer: pdf })
    await send('Prescription', { medication: 'Ramipril 5 mg tablet', doseValue: '5', doseUnit: 'mg', route: 'oral', times: '1', period: '1', periodUnit: 'd', durationDays: '90', repeats: '2' })
    const items = doctorPage.getByTestId('sent-item')
    await expect.poll(() => items.count()).toBe(3)
    // Alice's tab is closed: every item waits in her mailbox.
    expect(await doctorPage.locator('[data-testid="sent-item"][data-status="sent"]').count()).toBe(3)
    await shot(doctorPage, 'doctor-wrote-back')
    expect(errors).toEqual([])
  })
  it('the doctor writes a note, a report with a PDF and a prescription while Alice’s tab is closed', wroteBack)

  const patientAnswered = step([wroteBack], async () => {
    // Alice opens Salus again: the items wait in her inbox, and the notice says so.
    alicePage = await alice.context.newPage()
    errors.push(...watchPage(alicePage).errors)
    await signIn(alicePage, appUrl, /Alice/)
    const since = alicePage.getByTestId('since-last-time')
    await since.getByText('3 items from your doctors waiting in your inbox').waitFor({ timeout: 120_000 })
    await shot(alicePage, 'patient-since-last-time')

    await alicePage.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: /^Inbox/ }).click()
    const item = (title: RegExp) => alicePage.getByRole('article', { name: title })
    await expect.poll(() => alicePage.getByRole('article').count(), { timeout: 60_000 }).toBe(3)
    expect(await item(/Cardiology follow-up/).getByText('verified in the directory').count()).toBe(1)
    await shot(alicePage, 'patient-inbox')

    const status = alicePage.getByTestId('inbox-status')
    await item(/Cardiology follow-up/).getByRole('button', { name: 'Accept' }).click()
    await untilOrAlert(alicePage, status.filter({ hasText: /^Recorded by Dr\. Rosa Lind, verified/ }), 90_000)
    await item(/Ramipril/).getByRole('button', { name: 'Accept' }).click()
    await untilOrAlert(alicePage, status.filter({ hasText: /Ramipril/ }), 90_000)
    await item(/Echocardiogram/).getByRole('button', { name: 'Decline…' }).click()
    await alicePage.getByLabel('Why do you decline it?').fill('I had no echocardiogram: wrong patient?')
    await alicePage.getByRole('button', { name: 'Send decline' }).click()
    await untilOrAlert(alicePage, status.filter({ hasText: /^Declined/ }), 60_000)
    expect(await alicePage.getByRole('article').count()).toBe(0)

    // The doctor sees each outcome (her app collects answers every 30 s; a page in the background
    // may have its timers slowed to once a minute by Chromium, so allow a few of those rounds).
    await expect.poll(() => doctorPage.locator('[data-testid="sent-item"][data-status="accepted"]').count(), { timeout: 240_000 }).toBe(2)
    await expect.poll(() => doctorPage.locator('[data-testid="sent-item"][data-status="declined"]').count(), { timeout: 60_000 }).toBe(1)
    await shot(doctorPage, 'doctor-answers')
  })
  it('Alice opens Salus, sees what waits, accepts two items and declines one with a reason the doctor sees', patientAnswered, 420_000)

  const amended = step([patientAnswered], async () => {
    await alicePage.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Records', exact: true }).click()
    await recordButton(alicePage, /Cardiology follow-up/).first().click()
    const dialog = alicePage.getByRole('dialog')
    await untilOrAlert(alicePage, dialog.getByTestId('record-provenance').filter({ hasText: `Recorded by ${doctorName}, verified` }), 60_000)
    await dialog.getByRole('button', { name: 'Amend' }).click()
    const json = dialog.getByLabel('Record (FHIR JSON)')
    // The note's text is base64 in the attachment; its description (the title) is plain JSON.
    const edited = (await json.inputValue()).replace('"description": "Cardiology follow-up"', '"description": "Cardiology follow-up, recheck in three months"')
    expect(edited).toContain('recheck in three months')
    await json.fill(edited)
    await dialog.getByLabel('Reason (optional)').fill('Added the recheck date')
    await dialog.getByRole('button', { name: 'Save new version' }).click()
    const history = dialog.getByTestId('record-history')
    await untilOrAlert(alicePage, history, 60_000)
    expect(await history.getByRole('listitem').count()).toBe(2)
    expect(await history.getByText(/replaced .* by you/).count()).toBe(1)
    expect(await history.getByRole('button', { name: /^Version 1: Cardiology follow-up\s/ }).count()).toBe(1)
    expect(await history.getByRole('button', { name: /^Version 2: Cardiology follow-up, recheck in three months/ }).count()).toBe(1)
    expect(await dialog.getByRole('heading', { name: 'Cardiology follow-up, recheck in three months' }).count()).toBe(1)
    await shot(alicePage, 'patient-record-history')
    // The earlier version, opened from the history, still carries the doctor's verified signature.
    await history.getByRole('button', { name: /^Version 1/ }).click()
    await untilOrAlert(alicePage, dialog.getByTestId('record-provenance').filter({ hasText: 'verified' }), 60_000)
    expect(await dialog.getByTestId('record-status').textContent()).toMatch(/Older version/)
    await dialog.getByRole('button', { name: 'Close' }).click()
  })
  it('Alice amends an accepted record and both versions show in its history', amended)

  const restoreOffered = step([amended], async () => {
    // Her records were anchored from this browser; a fresh profile offers the backup restore.
    await expect.poll(() => alicePage.locator('.anchored').count(), { timeout: 120_000 }).toBeGreaterThan(0)
    const fresh = await launchProfile()
    try {
      const page = await firstPage(fresh.context)
      await signIn(page, appUrl, /Alice/)
      const offer = page.getByTestId('restore-offer')
      await offer.waitFor({ timeout: 60_000 })
      expect(await offer.getByText('Restore from backup').count()).toBe(1)
      expect(await page.getByText('Your vault is empty').count()).toBe(0)
      await shot(page, 'patient-restore-offer')
    } finally {
      await fresh.dispose()
    }
    expect(errors).toEqual([])
  })
  it('a fresh browser for Alice offers Restore from backup instead of an empty vault', restoreOffered)
})
