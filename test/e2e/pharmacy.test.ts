// Prescriptions to the pharmacy in Chromium on the real local network (issue 12): Dr. Amara
// Okafor prescribes amoxicillin to Alice, who shared a penicillin allergy; the form warns and
// the doctor goes on with a reason. Alice accepts it in her Inbox and saves its QR code; the
// pharmacist (Paula Reyes) reads the QR image with the app's decoder, sees the prescriber
// verified, dispenses and invoices; Alice pays in ETH and keeps the dispense and the receipt;
// a second dispense of the single-fill prescription is refused; the pharmacy withdraws.
import { readFile } from 'node:fs/promises'
import { createPublicClient, http, type Hash } from 'viem'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchProfile, watchPage } from './support/browser.ts'
import { step } from './support/step.ts'
import { acceptConsent, openPatient, sharedRecords, shareWith, untilOrAlert, waitUntilReachable } from './support/consentPage.ts'
import { addRecord, recordCount, signIn } from './support/vaultPage.ts'

const appUrl = inject('appUrl')
const rpcUrl = inject('rpcUrl')
const doctorName = 'Dr. Amara Okafor'
const label = 'Alice (prescription)'
const overrideReason = 'Childhood rash only; tolerated amoxicillin in 2024'

let alice: Awaited<ReturnType<typeof launchProfile>>
let doctor: Awaited<ReturnType<typeof launchProfile>>
let pharmacist: Awaited<ReturnType<typeof launchProfile>>
let alicePage: Page
let doctorPage: Page
let paulaPage: Page
let qrImage: Buffer
const errors: string[] = []

async function firstPage(context: BrowserContext) {
  const page = context.pages()[0] ?? (await context.newPage())
  errors.push(...watchPage(page).errors)
  return page
}

const nav = (page: Page, name: string | RegExp) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: typeof name === 'string' })

beforeAll(async () => {
  ;[alice, doctor, pharmacist] = await Promise.all([launchProfile(), launchProfile(), launchProfile()])
  alicePage = await firstPage(alice.context)
  doctorPage = await firstPage(doctor.context)
  paulaPage = await firstPage(pharmacist.context)
})
afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), doctor?.dispose(), pharmacist?.dispose()])
})

describe('a prescription from the doctor to the pharmacy, paid in ETH', () => {
  const prescribed = step([], async () => {
    await signIn(doctorPage, appUrl, /Amara Okafor/)
    await waitUntilReachable(doctorPage)
    await signIn(alicePage, appUrl, /Alice/)
    await addRecord(alicePage, 'Allergy', { Substance: 'Penicillin' })
    await shareWith(alicePage, doctorName, ['Allergies', 'Prescriptions'], label)
    await alicePage.getByText(`Consent sent to ${doctorName}`).waitFor({ timeout: 180_000 })
    await acceptConsent(doctorPage, label)
    expect(await openPatient(doctorPage, label)).toBe('')
    await expect.poll(() => sharedRecords(doctorPage).allTextContents(), { timeout: 60_000 }).toContain('Penicillin')

    await doctorPage.getByRole('button', { name: `Write back to ${label}` }).click()
    const panel = doctorPage.getByRole('region', { name: /^Write back to / })
    await panel.getByLabel('What').selectOption({ label: 'Prescription' })
    const fields = { medication: 'Amoxicillin 500 mg capsule', doseValue: '500', doseUnit: 'mg', route: 'oral', times: '3', period: '1', periodUnit: 'd', durationDays: '7', repeats: '0' }
    for (const [name, value] of Object.entries(fields)) {
      const field = panel.locator(`[name="${name}"]`)
      if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value)
      else await field.fill(value)
    }
    // The checks read the shared allergy: amoxicillin is a penicillin.
    const warning = panel.locator('[data-testid="prescribing-warning"][data-rule="allergy"]')
    await warning.waitFor({ timeout: 10_000 })
    expect(await warning.textContent()).toMatch(/Penicillin/i)
    // Without a reason it is not sent.
    await panel.getByRole('button', { name: 'Sign and send' }).click()
    await expect.poll(() => panel.getByRole('alert').filter({ hasText: /Give a reason to go on/ }).count()).toBeGreaterThan(0)
    await warning.getByLabel('Reason to override this warning').fill(overrideReason)
    await panel.getByRole('button', { name: 'Sign and send' }).click()
    await untilOrAlert(doctorPage, panel.getByText(/sent: it waits|delivered to the patient/), 90_000)
  })
  it('the doctor prescribes; the allergy warning is overridden with a reason', prescribed)

  const presented = step([prescribed], async () => {
    await nav(alicePage, /^Inbox/).click()
    const item = alicePage.getByRole('article', { name: /Amoxicillin/ })
    await item.waitFor({ timeout: 120_000 })
    await item.getByRole('button', { name: 'Accept' }).click()
    await untilOrAlert(alicePage, alicePage.getByTestId('inbox-status').filter({ hasText: /Amoxicillin/ }), 90_000)

    await nav(alicePage, 'Prescriptions').click()
    const prescription = alicePage.getByTestId('prescription')
    await untilOrAlert(alicePage, prescription.first(), 60_000)
    expect(await prescription.getByTestId('prescription-status').textContent()).toMatch(/Dispensed 0 of 1 · 0 repeats left/)
    expect(await prescription.getByText(overrideReason).count()).toBe(1)
    const [download] = await Promise.all([alicePage.waitForEvent('download'), prescription.getByRole('button', { name: 'Save prescription QR' }).click()])
    qrImage = await readFile((await download.path())!)
    expect(qrImage.subarray(1, 4).toString()).toBe('PNG')
  })
  it('Alice accepts it in her Inbox and saves its QR code', presented)

  const dispensed = step([presented], async () => {
    await signIn(paulaPage, appUrl, /Paula Reyes/)
    await paulaPage.getByRole('heading', { name: 'Pharmacy', level: 1 }).waitFor()
    await paulaPage.getByLabel('Prescription image file').setInputFiles({ name: 'rx.png', mimeType: 'image/png', buffer: qrImage })
    const review = paulaPage.getByTestId('prescription-review')
    await untilOrAlert(paulaPage, review, 60_000)
    expect(await review.getByTestId('prescriber').textContent()).toContain(doctorName)
    expect(await review.getByTestId('prescriber-certification').textContent()).toMatch(/Certified doctor on \d{4}-\d{2}-\d{2}, the day of prescribing.*still certified now/s)
    expect(await review.getByTestId('dispense-count').textContent()).toMatch(/0 of 1/)
    expect(await review.getByText(overrideReason).count()).toBe(1)
    await review.getByLabel('Price in ETH').fill('0.012')
    await review.getByRole('button', { name: 'Dispense and invoice' }).click()
    await untilOrAlert(paulaPage, paulaPage.getByText(/^Dispensed \(fill 1 of 1\); invoice #\d+ for 0\.012 ETH sent to the patient\./), 90_000)
  })
  it('the pharmacist reads the QR image, sees the prescriber verified, dispenses and invoices', dispensed)

  const paid = step([dispensed], async () => {
    const prescription = alicePage.getByTestId('prescription')
    const notice = prescription.locator('[data-testid="pharmacy-notice"][data-kind="dispensed"]')
    await expect
      .poll(async () => {
        await alicePage.getByRole('button', { name: 'Check for news' }).click()
        await alicePage.getByRole('button', { name: 'Check for news' }).waitFor()
        return notice.count()
      }, { timeout: 120_000, interval: 3_000 })
      .toBe(1)
    await notice.getByRole('button', { name: 'Pay 0.012 ETH' }).click()
    const receipt = notice.getByTestId('receipt')
    await untilOrAlert(alicePage, receipt, 90_000)
    const txHash = /0x[0-9a-f]{64}/.exec((await receipt.textContent()) ?? '')![0] as Hash
    const tx = await createPublicClient({ transport: http(rpcUrl) }).getTransaction({ hash: txHash })
    expect(tx.value).toBe(12_000_000_000_000_000n)
    expect(await prescription.getByTestId('prescription-status').textContent()).toMatch(/Dispensed 1 of 1 · 0 repeats left/)
    expect(await prescription.getByText(/Fill 1: .* at Pharmacist Paula Reyes/).count()).toBe(1)
    // The dispense record and the receipt joined the vault.
    await nav(alicePage, 'Records').click()
    // The allergy, the prescription, the dispense and the receipt.
    await expect.poll(() => recordCount(alicePage), { timeout: 30_000 }).toBe(4)
  })
  it('Alice pays the invoice in ETH; the receipt names its transaction and the records join her vault', paid)

  const refused = step([paid], async () => {
    // This time Alice sends it to the pharmacy from the directory (sealed, through the care nodes' mailbox).
    await nav(alicePage, 'Prescriptions').click()
    const prescription = alicePage.getByTestId('prescription')
    await untilOrAlert(alicePage, prescription.first(), 60_000)
    await prescription.getByLabel('Pharmacy').selectOption({ label: 'Pharmacist Paula Reyes, Riverside Pharmacy · Riverside Pharmacy' })
    await prescription.getByRole('button', { name: 'Send', exact: true }).click()
    await untilOrAlert(alicePage, alicePage.getByText(/^Sent to Pharmacist Paula Reyes/), 60_000)
    await paulaPage.getByRole('button', { name: 'Check for prescriptions' }).click()
    const received = paulaPage.getByRole('button', { name: /^Open prescription received/ })
    await expect.poll(async () => {
      await paulaPage.getByRole('button', { name: 'Check for prescriptions' }).click()
      return received.count()
    }, { timeout: 60_000, interval: 3_000 }).toBe(1)
    await received.click()
    const review = paulaPage.locator('[data-testid="prescription-review"][data-refusal="already-dispensed"]')
    await untilOrAlert(paulaPage, review, 60_000)
    expect(await review.getByTestId('refusal').textContent()).toMatch(/already been dispensed/)
    expect(await review.getByRole('button', { name: 'Dispense and invoice' }).count()).toBe(0)
    // Sales and earnings: the paid invoice, then withdrawn.
    await paulaPage.getByRole('button', { name: 'Check for prescriptions' }).click()
    await expect.poll(() => paulaPage.getByTestId('sale').allTextContents(), { timeout: 30_000 }).toEqual([expect.stringMatching(/0\.012 ETH · paid/)])
    await expect.poll(() => paulaPage.getByTestId('earnings').textContent()).toMatch(/0\.012 ETH/)
    await paulaPage.getByRole('button', { name: 'Withdraw' }).click()
    await untilOrAlert(paulaPage, paulaPage.getByText(/^Withdrew 0\.012 ETH/), 60_000)
    expect(errors).toEqual([])
  })
  it('Alice sends it to the pharmacy; a second dispense past the repeats is refused; the pharmacy sees the sale and withdraws', refused)
})
