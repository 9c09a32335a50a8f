// Zero-knowledge consent end to end in Chromium: patient Alice and Dr. Amara Okafor in two
// browser profiles on the real local network (anvil, care nodes as relays, pinning and proxies).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPublicClient, http, parseEventLogs, type Address } from 'viem'
import type { BrowserContext, Page } from 'playwright-core'
import { Consent } from '../../src/chain/generated/Consent.ts'
import { launchProfile, watchPage } from './support/browser.ts'
import { step } from './support/step.ts'
import { acceptConsent, openPatient, openSection, sharedRecords, shareWith, waitUntilReachable } from './support/consentPage.ts'
import { addRecord, signIn } from './support/vaultPage.ts'

const appUrl = inject('appUrl')
const rpcUrl = inject('rpcUrl')
const doctorName = 'Dr. Amara Okafor'

let alice: Awaited<ReturnType<typeof launchProfile>>
let doctor: Awaited<ReturnType<typeof launchProfile>>
let alicePage: Page
let doctorPage: Page
let aliceAddress: Address
const errors: string[] = []

async function firstPage(context: BrowserContext) {
  const page = context.pages()[0] ?? (await context.newPage())
  errors.push(...watchPage(page).errors)
  return page
}

beforeAll(async () => {
  ;[alice, doctor] = await Promise.all([launchProfile(), launchProfile()])
  alicePage = await firstPage(alice.context)
  doctorPage = await firstPage(doctor.context)
})
afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), doctor?.dispose()])
})

describe('consent between a patient and a doctor in Chromium', () => {
  const step1 = step([], async () => {
    await signIn(doctorPage, appUrl, /Amara Okafor/)
    await waitUntilReachable(doctorPage)

    await signIn(alicePage, appUrl, /Alice/)
    aliceAddress = (await alicePage.locator('header .account .mono').getAttribute('title')) as Address
    expect(aliceAddress).toMatch(/^0x[0-9a-fA-F]{40}$/)
    await addRecord(alicePage, 'Allergy', { Substance: 'Penicillin' })
    await addRecord(alicePage, 'Lab result', { Test: 'HbA1c', Value: '6.4', Unit: '%', Date: '2026-10-01' })
    await addRecord(alicePage, 'Condition', { Condition: 'Type 2 diabetes' })

    await shareWith(alicePage, doctorName, ['Allergies', 'Lab results'], 'Alice (cardiology referral)')
    // Progress is shown step by step while the proof is made in the worker.
    await alicePage.getByRole('list', { name: 'Sharing progress' }).waitFor()
    await alicePage.getByText(`Consent sent to ${doctorName}`).waitFor({ timeout: 180_000 })

    // The label is the patient's own words: shown quoted, and said to be unverified.
    await openSection(doctorPage, 'Patients')
    const incoming = doctorPage.getByRole('article', { name: 'Consent from Alice (cardiology referral)' })
    await incoming.waitFor({ timeout: 60_000 })
    expect(await incoming.locator('strong').textContent()).toBe('“Alice (cardiology referral)”')
    expect(await incoming.getByTestId('label-note').textContent()).toBe('(the patient’s own words, not verified)')
    await acceptConsent(doctorPage, 'Alice (cardiology referral)')
    expect(await doctorPage.getByRole('article', { name: 'Patient Alice (cardiology referral)' }).getByTestId('label-note').textContent()).toBe(
      '(the patient’s own words, not verified)',
    )
    expect(await openPatient(doctorPage, 'Alice (cardiology referral)')).toBe('')
    await expect.poll(() => sharedRecords(doctorPage).allTextContents()).toEqual(expect.arrayContaining(['Penicillin', expect.stringMatching(/HbA1c/)]))
    // The condition was not shared.
    expect(await sharedRecords(doctorPage).count()).toBe(2)
    await expect.poll(() => doctorPage.getByText(/The patient is online/).count()).toBe(1)

    // Readable like the patient's own view, and exportable as FHIR JSON.
    await sharedRecords(doctorPage).filter({ hasText: 'HbA1c' }).click()
    const dialog = doctorPage.getByRole('dialog')
    await expect.poll(() => dialog.getByText('6.4').count()).toBeGreaterThan(0)
    const [download] = await Promise.all([doctorPage.waitForEvent('download'), dialog.getByRole('button', { name: 'Export JSON' }).click()])
    const exported = JSON.parse(await readDownload(download))
    expect(exported).toMatchObject({ resourceType: 'Observation' })
    await dialog.getByRole('button', { name: 'Close' }).click()

    // The patient sees the grant and the doctor's access session.
    await openSection(alicePage, 'Sharing')
    await alicePage.getByRole('button', { name: 'Refresh' }).click()
    // Newest first: earlier runs on a reused network may have left older grants.
    const grant = alicePage.getByRole('article', { name: `Grant to ${doctorName}` }).first()
    await grant.getByText('Active').waitFor({ timeout: 30_000 })
    await alicePage.getByRole('table').getByText(doctorName).first().waitFor({ timeout: 30_000 })
  })
  it('the patient shares allergies and labs; the doctor accepts and opens them while the patient is online', step1)

  const step2 = step([step1], async () => {
    await alicePage.close()
    expect(await openPatient(doctorPage, 'Alice (cardiology referral)')).toBe('')
    expect(await sharedRecords(doctorPage).count()).toBe(2)
    await doctorPage.getByText(/The patient is offline/).waitFor()
  })
  it('the doctor opens again from the care nodes after the patient closed her tab', step2)

  const step3 = step([step2], async () => {
    alicePage = await alice.context.newPage()
    errors.push(...watchPage(alicePage).errors)
    await signIn(alicePage, appUrl, /Alice/)
    await addRecord(alicePage, 'Lab result', { Test: 'LDL cholesterol', Value: '2.9', Unit: 'mmol/L', Date: '2026-11-01' })
    // The update runs from sign-in, whichever page is open; the Sharing page reports it.
    await openSection(alicePage, 'Sharing')
    await alicePage.getByText('New records were added to what you share').waitFor({ timeout: 120_000 })
    await expect
      .poll(
        async () => {
          await openPatient(doctorPage, 'Alice (cardiology referral)')
          return sharedRecords(doctorPage).allTextContents()
        },
        { timeout: 120_000, interval: 1_000 },
      )
      .toEqual(expect.arrayContaining([expect.stringMatching(/LDL cholesterol/)]))
  })
  it('a lab result the patient adds later appears for the doctor without a new grant', step3)

  const step4 = step([step3], async () => {
    await openSection(alicePage, 'Sharing')
    const grant = alicePage.getByRole('article', { name: `Grant to ${doctorName}` }).first()
    await grant.getByRole('button', { name: `Revoke access for ${doctorName}` }).click()
    await alicePage.getByText(`Access for ${doctorName} is revoked`).waitFor({ timeout: 120_000 })
    await grant.getByText('Revoked').waitFor()

    // The doctor's page reads the chain by itself: the open panel says so, and offers nothing more.
    await expect.poll(() => doctorPage.getByTestId('shared-error').textContent(), { timeout: 30_000 }).toMatch(/revoked/i)
    await doctorPage.getByText('You opened this before access ended').first().waitFor()
    expect(await sharedRecords(doctorPage).count()).toBe(3)
    const panel = doctorPage.getByRole('region', { name: 'Records shared by Alice (cardiology referral)', exact: true })
    expect(await panel.getByRole('button', { name: 'Open again' }).isDisabled()).toBe(true)
    const entry = doctorPage.getByRole('article', { name: 'Patient Alice (cardiology referral)' })
    await entry.getByText('Revoked', { exact: true }).waitFor()
    expect(await entry.getByRole('button', { name: /^Open records/ }).isDisabled()).toBe(true)
  })
  it('after the patient revokes, the doctor’s next open is refused as revoked; what was open stays, marked', step4)

  const step5 = step([step4], async () => {
    const other = await launchProfile()
    try {
      const page = await firstPage(other.context)
      await signIn(page, appUrl, /Amara Okafor/)
      await openSection(page, 'Patients')
      const entry = page.getByRole('article', { name: /^Patient Patient 0x/ }).first()
      await entry.waitFor({ timeout: 30_000 })
      await entry.getByText('Revoked', { exact: true }).waitFor({ timeout: 30_000 })
    } finally {
      await other.dispose()
    }
  })
  it('a doctor on another device finds the grant on chain, without the patient’s label', step5)

  const step6 = step([step1], async () => {
    await shareWith(alicePage, 'Dr. Lukas Weber', ['Allergies'], 'Alice')
    const sent = alicePage.getByRole('region', { name: 'Consents sent' }).getByRole('listitem').filter({ hasText: 'Dr. Lukas Weber' })
    // He has never been online: the consent waits, sealed to him, in his mailbox on the care nodes.
    await sent.getByText('The doctor is offline: it waits for them, sealed, on the care nodes.').waitFor({ timeout: 180_000 })
    const weber = await launchProfile()
    try {
      const page = await firstPage(weber.context)
      await signIn(page, appUrl, /Lukas Weber/)
      await page.getByText(/^While you were away: 1 new consent to accept/).waitFor({ timeout: 60_000 })
      await page.getByRole('article', { name: 'Consent from Alice' }).waitFor()
      if (process.env.SALUS_SHOTS_DIR) await page.screenshot({ path: `${process.env.SALUS_SHOTS_DIR}/doctor-while-away.png`, fullPage: true })
    } finally {
      await weber.dispose()
    }
  })
  it('a consent for an offline doctor waits in their mailbox; they find it when they sign in', step6)

  const step7 = step([step1], async () => {
    const client = createPublicClient({ transport: http(rpcUrl) })
    const config = (await (await fetch(new URL('config/salus.config.json', appUrl))).json()) as { contracts: { Consent: { address: Address } } }
    const logs = await client.getLogs({ address: config.contracts.Consent.address, fromBlock: 0n })
    const grants = parseEventLogs({ abi: Consent.abi, eventName: 'GrantCreated', logs })
    expect(grants.length).toBeGreaterThan(0)
    const needle = aliceAddress.slice(2).toLowerCase()
    for (const log of grants) {
      const tx = await client.getTransaction({ hash: log.transactionHash })
      const receipt = await client.getTransactionReceipt({ hash: log.transactionHash })
      expect(tx.from.toLowerCase()).not.toBe(aliceAddress.toLowerCase())
      expect(tx.input.toLowerCase()).not.toContain(needle)
      for (const entry of receipt.logs) {
        expect(entry.data.toLowerCase()).not.toContain(needle)
        for (const topic of entry.topics) expect(topic.toLowerCase()).not.toContain(needle)
      }
    }
  })
  it('the patient’s wallet address appears in no grant transaction', step7)

  const step8 = step([step1], async () => {
    const bob = await launchProfile()
    try {
      const bobPage = await firstPage(bob.context)
      await signIn(bobPage, appUrl, /Bob/)
      await addRecord(bobPage, 'Allergy', { Substance: 'Shellfish' })
      // The form's default expiry: 30 days from today.
      await shareWith(bobPage, doctorName, ['Allergies'], 'Bob (expiry check)')
      await bobPage.getByText(`Consent sent to ${doctorName}`).waitFor({ timeout: 180_000 })
      // The doctor closes Alice's revoked records first (their notice is an alert).
      const alicePanel = doctorPage.getByRole('region', { name: 'Records shared by Alice (cardiology referral)', exact: true })
      if (await alicePanel.isVisible()) await alicePanel.getByRole('button', { name: 'Close patient' }).click()
      await acceptConsent(doctorPage, 'Bob (expiry check)')
      expect(await openPatient(doctorPage, 'Bob (expiry check)')).toBe('')
      await expect.poll(() => sharedRecords(doctorPage).allTextContents()).toEqual(['Shellfish'])

      // 40 days later on the doctor's and the patient's clocks (the pages' clocks only:
      // the shared chain and care nodes keep the real time for the other tests).
      const later = Date.now() + 40 * 86_400_000
      await doctorPage.clock.setSystemTime(later)
      await expect.poll(() => doctorPage.getByTestId('shared-error').textContent(), { timeout: 30_000 }).toMatch(/expired/i)
      await doctorPage.getByText('You opened this before access ended').first().waitFor()
      expect(await sharedRecords(doctorPage).allTextContents()).toEqual(['Shellfish'])

      await bobPage.clock.setSystemTime(later)
      await openSection(bobPage, 'Sharing')
      await bobPage.getByRole('button', { name: 'Refresh' }).click()
      await bobPage.getByRole('article', { name: `Grant to ${doctorName}` }).first().getByText('Expired').waitFor({ timeout: 30_000 })
    } finally {
      await doctorPage.clock.setSystemTime(Date.now()).catch(() => {})
      await bob.dispose()
    }
  })
  it('an expired grant is refused like a revoked one, for the doctor and in the patient’s list', step8)

  it('raised no page errors', () => {
    expect(errors.filter((error) => error.startsWith('pageerror'))).toEqual([])
  })
})

async function readDownload(download: { path(): Promise<string | null> }): Promise<string> {
  const { readFile } = await import('node:fs/promises')
  const path = await download.path()
  if (!path) throw new Error('the download has no file')
  return readFile(path, 'utf8')
}
