// Emergency card end to end in Chromium on the real local network: patient Alice builds and
// publishes her card and closes the tab; paramedic Jonas Berg (demo account 6, a responder
// certified by City EMS) opens the card from an image file, breaks the glass and reads the
// summary; Alice reopens Salus and is told of the read. Also: with the browser offline, the
// card's minimum still opens from the QR alone. Screenshots go to SALUS_SHOTS_DIR when set.
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchProfile, watchPage } from './support/browser.ts'
import { step } from './support/step.ts'
import { addRecord, signIn } from './support/vaultPage.ts'

const appUrl = inject('appUrl')
const shots = process.env.SALUS_SHOTS_DIR
const phone = { width: 390, height: 844 }

let alice: Awaited<ReturnType<typeof launchProfile>>
let jonas: Awaited<ReturnType<typeof launchProfile>>
let alicePage: Page
let jonasPage: Page
/** The card's QR as the patient saved it (a PNG file). */
let qrImage: Buffer
const errors: string[] = []

async function firstPage(context: BrowserContext) {
  const page = context.pages()[0] ?? (await context.newPage())
  errors.push(...watchPage(page).errors)
  return page
}

async function shot(page: Page, name: string, options: { fullPage?: boolean } = {}) {
  if (!shots) return
  await mkdir(shots, { recursive: true })
  // From the top: a full-page shot of a scrolled page draws the sticky header mid-page.
  await page.evaluate(() => scrollTo(0, 0))
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: options.fullPage ?? true })
}

async function openSection(page: Page, name: 'Emergency card' | 'Respond') {
  const heading = page.getByRole('heading', { level: 1, name: name === 'Respond' ? 'Respond' : 'Emergency card' })
  for (let attempt = 1; ; attempt++) {
    try {
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click({ timeout: 60_000 })
      // The first visit compiles the page on a cold dev server, which may re-optimise its
      // dependencies and reload the page once (the tab's account signs in again by itself).
      await heading.waitFor({ timeout: 90_000 })
      return
    } catch (error) {
      if (attempt >= 3) throw new Error(`${name} did not open; the page shows: ${(await page.locator('body').textContent())?.slice(0, 400)}`, { cause: error })
      await page.waitForLoadState('load')
    }
  }
}

/** The summary shown on the responder page, once it is the full one or the minimum (or fails with the page's alert). */
async function summary(page: Page, source: 'full' | 'minimum', timeout = 120_000) {
  const shown = page.locator(`[data-testid="emergency-summary"][data-source="${source}"]`)
  const alert = page.getByRole('alert')
  await shown.or(alert).first().waitFor({ timeout })
  if (await alert.first().isVisible()) throw new Error(`the page said: ${await alert.allTextContents()}`)
  return shown
}

beforeAll(async () => {
  ;[alice, jonas] = await Promise.all([launchProfile(), launchProfile()])
  alicePage = await firstPage(alice.context)
  jonasPage = await firstPage(jonas.context)
})
afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), jonas?.dispose()])
})

describe('emergency card in Chromium', () => {
  const publish = step([], async () => {
    await signIn(alicePage, appUrl, /Alice/)
    await addRecord(alicePage, 'Allergy', { Substance: 'Penicillin', Reaction: 'Anaphylaxis' })
    await addRecord(alicePage, 'Medication', { 'Medication name': 'Metformin', Dose: '500 mg', 'How often': 'twice daily' })
    await addRecord(alicePage, 'Condition', { Condition: 'Type 2 diabetes' })

    await openSection(alicePage, 'Emergency card')
    await alicePage.getByLabel('Blood group').selectOption('A+')
    await alicePage.getByLabel(/^Implants and devices/).fill('Pacemaker (Medtronic Azure, 2021)')
    await alicePage.getByLabel(/^Advance directives/).fill('Living will with my GP, Dr. Weber')
    await alicePage.getByLabel('Contact name').fill('Tom Berger')
    await alicePage.getByLabel('Relationship').fill('husband')
    await alicePage.getByLabel('Phone').fill('+49 30 1234567')
    // Off by default, with the trade-off said in plain words.
    expect(await alicePage.getByRole('switch', { name: 'Open card' }).isChecked()).toBe(false)
    await alicePage.getByText('no record of who read it').waitFor()

    // The preview is the crew's own view.
    await alicePage.getByRole('button', { name: 'Refresh preview' }).click()
    const preview = alicePage.getByRole('article', { name: 'Emergency summary preview' })
    await preview.getByText('Penicillin').waitFor({ timeout: 60_000 })
    await preview.getByText('Metformin').waitFor()
    await preview.getByText('Pacemaker (Medtronic Azure, 2021)').waitFor()

    // The IPS Bundle downloads as FHIR JSON.
    const [bundleDownload] = await Promise.all([alicePage.waitForEvent('download'), alicePage.getByRole('button', { name: 'Download summary (FHIR IPS JSON)' }).click()])
    const bundle = JSON.parse(await readFile((await bundleDownload.path())!, 'utf8')) as { resourceType: string; type: string; entry: { resource: { resourceType: string } }[] }
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'document' })
    expect(bundle.entry[0]!.resource.resourceType).toBe('Composition')

    await alicePage.getByRole('button', { name: 'Publish card' }).click()
    await alicePage.getByRole('list', { name: 'Publishing progress' }).waitFor()
    const status = alicePage.getByTestId('emergency-status').or(alicePage.getByRole('alert'))
    await status.first().waitFor({ timeout: 240_000 })
    if (await alicePage.getByRole('alert').first().isVisible()) throw new Error(`the page said: ${await alicePage.getByRole('alert').allTextContents()}`)
    expect(await alicePage.getByTestId('emergency-status').textContent()).toMatch(/published/)
    await alicePage.getByTestId('wallet-card').waitFor()
    await shot(alicePage, 'emergency-patient-card-page')

    const [qrDownload] = await Promise.all([alicePage.waitForEvent('download'), alicePage.getByRole('button', { name: 'Save QR image' }).click()])
    qrImage = await readFile((await qrDownload.path())!)
    expect(qrImage.subarray(1, 4).toString()).toBe('PNG')
    if (shots) await writeFile(join(shots, 'emergency-card-qr.png'), qrImage)
    const [lockDownload] = await Promise.all([alicePage.waitForEvent('download'), alicePage.getByRole('button', { name: 'Save lock-screen image' }).click()])
    const lock = await readFile((await lockDownload.path())!)
    // PNG width and height, big-endian at bytes 16 and 20: phone-sized.
    expect([lock.readUInt32BE(16), lock.readUInt32BE(20)]).toEqual([1170, 2532])
    if (shots) await mkdir(shots, { recursive: true }).then(() => writeFile(join(shots, 'emergency-lock-screen.png'), lock))

    // Printed: only the wallet card, at 85.6 × 54 mm.
    await alicePage.emulateMedia({ media: 'print' })
    const card = alicePage.getByTestId('wallet-card')
    const box = (await card.boundingBox())!
    // 96 CSS px per inch: 85.6 mm = 323.5 px, 54 mm = 204.1 px.
    expect(box.width).toBeCloseTo(323.5, 0)
    expect(box.height).toBeCloseTo(204.1, 0)
    // Everything else is hidden (out of the accessibility tree, so found by CSS).
    expect(await alicePage.locator('h1').first().evaluate((element) => getComputedStyle(element).visibility)).toBe('hidden')
    await shot(alicePage, 'emergency-printed-page')
    if (shots) await card.screenshot({ path: join(shots, 'emergency-printed-card.png') })
    await alicePage.emulateMedia({ media: 'screen' })

    await alicePage.close()
  })
  it('the patient builds, previews and publishes her card, saves the QR and closes the tab', publish)

  const read = step([publish], async () => {
    await signIn(jonasPage, appUrl, /Jonas Berg/)
    await openSection(jonasPage, 'Respond')
    await jonasPage.getByLabel('Card image file').setInputFiles({ name: 'card.png', mimeType: 'image/png', buffer: qrImage })
    // The minimum from the QR itself, at once.
    const minimum = await summary(jonasPage, 'minimum', 30_000)
    await minimum.getByText('Penicillin').waitFor()

    await jonasPage.getByRole('button', { name: 'Read full summary' }).click()
    const confirm = jonasPage.getByRole('alertdialog', { name: 'Break the glass?' })
    await confirm.getByText('This is logged on chain and the patient will see it.').waitFor()
    await confirm.getByRole('button', { name: 'Read the summary' }).click()
    const full = await summary(jonasPage, 'full')
    await full.getByText('Penicillin').waitFor()
    await full.getByText('Metformin').waitFor()
    await full.getByText('Pacemaker (Medtronic Azure, 2021)').waitFor()
    await full.getByLabel('Blood group A+').waitFor()
    expect(await full.getByText(/^Recorded/).count()).toBeGreaterThan(0)
    // Allergies come first, then medications.
    const headings = await full.getByRole('heading', { level: 3 }).allTextContents()
    expect(headings.slice(0, 2)).toEqual(['Allergies', 'Medications'])
    // Gloves: every button at least 48 px high.
    for (const button of await jonasPage.locator('.respond button').all()) if (await button.isVisible()) expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(48)
    await shot(jonasPage, 'emergency-responder-desktop')
    await jonasPage.setViewportSize(phone)
    await shot(jonasPage, 'emergency-responder-phone')
    await jonasPage.setViewportSize({ width: 1280, height: 900 })
  })
  it('the paramedic opens the card from an image file, breaks the glass and reads the summary, allergies first', read)

  const told = step([read], async () => {
    alicePage = await alice.context.newPage()
    errors.push(...watchPage(alicePage).errors)
    await signIn(alicePage, appUrl, /Alice/)
    const notice = alicePage.getByTestId('break-glass-notice')
    await notice.waitFor({ timeout: 60_000 })
    expect(await notice.textContent()).toMatch(/Your emergency card was read by Paramedic Jonas Berg.*certified by City EMS/)
    await openSection(alicePage, 'Emergency card')
    await alicePage.getByTestId('break-glass-reads').getByText('Paramedic Jonas Berg').waitFor({ timeout: 30_000 })
    await shot(alicePage, 'emergency-patient-history')
    await notice.getByRole('button', { name: 'Dismiss' }).click()
    await notice.waitFor({ state: 'detached' })
  })
  it('the patient reopens Salus and is told who read her card, and when', told)

  const rotate = step([told], async () => {
    // A new card, open this time: the old one must stop at once.
    await alicePage.getByRole('switch', { name: 'Open card' }).check()
    await alicePage.getByRole('button', { name: 'Rotate card' }).click()
    const status = alicePage.getByTestId('emergency-status').or(alicePage.getByRole('alert'))
    await status.first().waitFor({ timeout: 300_000 })
    if (await alicePage.getByRole('alert').first().isVisible()) throw new Error(`the page said: ${await alicePage.getByRole('alert').allTextContents()}`)
    expect(await alicePage.getByTestId('emergency-status').textContent()).toMatch(/old card no longer opens anything/)
    // The open card also shows the standard SMART Health Link.
    await alicePage.getByTestId('shl-qr').waitFor()
    const [download] = await Promise.all([alicePage.waitForEvent('download'), alicePage.getByRole('button', { name: 'Save QR image' }).click()])
    const openCard = await readFile((await download.path())!)

    // The paramedic scans the old card again: the break-glass read is refused.
    await jonasPage.getByRole('button', { name: 'Next patient' }).click()
    await jonasPage.getByLabel('Card image file').setInputFiles({ name: 'old-card.png', mimeType: 'image/png', buffer: qrImage })
    await summary(jonasPage, 'minimum', 30_000)
    await jonasPage.getByRole('button', { name: 'Read full summary' }).click()
    await jonasPage.getByRole('alertdialog').getByRole('button', { name: 'Read the summary' }).click()
    const refused = jonasPage.getByRole('alert')
    await refused.first().waitFor({ timeout: 60_000 })
    expect(await refused.first().textContent()).toMatch(/no longer works/)
    expect(await jonasPage.locator('[data-testid="emergency-summary"][data-source="full"]').count()).toBe(0)

    // Anyone reads the new open card, with no account.
    const stranger = await launchProfile()
    try {
      const page = await firstPage(stranger.context)
      await page.goto(new URL('#card:', appUrl).toString())
      await page.getByLabel('Card image file').setInputFiles({ name: 'open-card.png', mimeType: 'image/png', buffer: openCard })
      const full = await summary(page, 'full', 60_000)
      await full.getByText('Penicillin').waitFor()
      await full.getByText('Pacemaker (Medtronic Azure, 2021)').waitFor()
    } finally {
      await stranger.dispose()
    }
  })
  it('rotating the card stops the old one at once; the new open card reads without an account', rotate)

  const offline = step([publish], async () => {
    const stranger = await launchProfile()
    try {
      const page = await firstPage(stranger.context)
      // First load online (no account), then the network goes.
      await page.goto(new URL('#card:', appUrl).toString())
      await page.getByRole('button', { name: 'Open image' }).waitFor()
      await stranger.context.setOffline(true)
      await page.evaluate(() => dispatchEvent(new Event('offline')))
      await page.getByText(/No network/).first().waitFor()
      await page.getByLabel('Card image file').setInputFiles({ name: 'card.png', mimeType: 'image/png', buffer: qrImage })
      const minimum = await summary(page, 'minimum', 30_000)
      await minimum.getByText('Penicillin').waitFor()
      await minimum.getByText('Metformin').waitFor()
      await page.getByText('The full summary needs the network', { exact: false }).first().waitFor()
      await page.setViewportSize(phone)
      await shot(page, 'emergency-responder-offline-phone')
    } finally {
      await stranger.dispose()
    }
  })
  it('with the browser offline, the responder page reads the minimum from the card image', offline)

  it('no page errors', async () => {
    expect(errors.filter((line) => !/Failed to load resource|ERR_INTERNET_DISCONNECTED|net::/.test(line))).toEqual([])
  })
})
