// Reading an imported history in Chromium against the real local network: the Timeline, an
// encounter and the links both ways to what happened in it, a note's text, and the Insurance
// history page, at phone (390 px) and desktop (1,280 px) width.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { launchProfile, watchPage } from './support/browser.ts'
import { step } from './support/step.ts'
import { choosePerson, recordCount, signIn } from './support/vaultPage.ts'
import { fhirFixtures } from '../support/fixtures.ts'

const appUrl = inject('appUrl')
const shots = process.env.SALUS_E2E_SHOTS // a folder to keep screenshots in, to look at them
const widths = [390, 1280] as const

let profile: Awaited<ReturnType<typeof launchProfile>>
let page: Page
let errors: string[]

beforeAll(async () => {
  profile = await launchProfile()
  page = profile.context.pages()[0] ?? (await profile.context.newPage())
  errors = watchPage(page).errors
})
afterAll(async () => {
  await profile?.dispose()
})

async function section(name: string) {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click()
}

async function expectFits(where: string) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }))
  expect(scrollWidth, `${where} is wider than the screen`).toBeLessThanOrEqual(clientWidth)
  if (shots) await page.screenshot({ path: `${shots}/${where.replace(/\W+/g, '-')}.png`, fullPage: true })
}

const dialog = () => page.getByRole('dialog')
const dialogTitle = () => dialog().getByRole('heading', { level: 2 }).first()

describe('reading a history in Chromium', () => {
  const imported = step([], async () => {
    await signIn(page, appUrl, /Bob/)
    // Synthea's conditional references (Practitioner?identifier=…) go in as they are; the file is
    // about Lindsay, whom the import asks for.
    const text = await readFile(`${fhirFixtures}/read/synthea-excerpt-lindsay.json`, 'utf8')
    await page.getByLabel('Import FHIR file').setInputFiles({ name: 'synthea-lindsay.json', mimeType: 'application/json', buffer: Buffer.from(text) })
    await choosePerson(page, /Lindsay/)
    await expect.poll(() => recordCount(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(11)
  })

  const timeline = step([imported], async () => {
    await section('Timeline')
    await page.getByRole('heading', { name: 'Timeline', level: 1 }).waitFor()
    const years = await page.getByRole('heading', { level: 2 }).allTextContents()
    expect(years.slice(0, 2)).toEqual(['1985', '1979'])
    await page.getByLabel('Show').selectOption({ label: 'Visits (2)' })
    await expect.poll(() => page.locator('.entry').count()).toBe(2)
    expect(await page.locator('.entry .title').allTextContents()).toEqual(['Encounter for problem', 'General examination of patient (procedure)'])
    await page.getByLabel('Show').selectOption({ index: 0 })
    await page.getByRole('searchbox', { name: 'Search the timeline' }).fill('prediabetes')
    await expect.poll(() => page.locator('.entry .title').allTextContents()).toContain('Prediabetes')
    expect(await page.locator('.entry .title').allTextContents()).not.toContain('Encounter for problem')
    await page.getByRole('searchbox', { name: 'Search the timeline' }).fill('')
  })
  it('shows the whole history newest first, by kind and by search', timeline)

  const encounter = step([timeline], async () => {
    await page.locator('.entry', { hasText: 'General examination of patient (procedure)' }).filter({ hasText: 'Visits' }).click()
    await expect.poll(() => dialogTitle().textContent()).toBe('General examination of patient (procedure)')
    await expect.poll(() => dialog().getByText('Outpatient visit').count()).toBeGreaterThan(0)
    const linked = dialog().getByTestId('links-from')
    await linked.waitFor()
    for (const title of ['Prediabetes', 'Diabetes self management plan', 'History and physical note', 'Claim: General examination of patient (procedure)']) {
      expect(await linked.getByRole('button', { name: new RegExp(`^${title.replace(/[()+]/g, '\\$&')}`) }).count(), title).toBeGreaterThan(0)
    }
    // Follow a link to the diagnosis, and back from it to the visit.
    await linked.getByRole('button', { name: /^Prediabetes/ }).click()
    await expect.poll(() => dialogTitle().textContent()).toBe('Prediabetes')
    await dialog().getByTestId('links-to').getByRole('button', { name: /^General examination of patient/ }).click()
    await expect.poll(() => dialogTitle().textContent()).toBe('General examination of patient (procedure)')
    // The note's text is read in the view.
    await dialog().getByTestId('links-from').getByRole('button', { name: /^History and physical note/ }).first().click()
    await expect.poll(() => dialog().getByText(/Chief Complaint/).count()).toBeGreaterThan(0)
    await dialog().getByRole('button', { name: 'Close' }).first().click()
  })
  it('opens an encounter and follows its links both ways', encounter)

  const insurance = step([imported], async () => {
    await section('Insurance history')
    await page.getByRole('heading', { name: 'Insurance history', level: 1 }).waitFor()
    const claims = page.getByTestId('claims')
    await claims.waitFor({ timeout: 60_000 })
    expect(await claims.textContent()).toContain('Billed USD 5.28')
    expect(await claims.textContent()).toContain('Explanation of benefit: General examination of patient (procedure)')
    // The check-up's claim is explained by its EOB: billed once. 129.16 + the pharmacy claim's 5.28.
    await expect.poll(() => page.getByTestId('total-billed').textContent()).toBe('USD 134.44')
    await expect.poll(() => page.getByText(/No visit booked with your insurance from this device yet|Looking for your covered bookings/).count()).toBeGreaterThan(0)
  })
  it('shows claims and explanations of benefit with amounts on the insurance page', insurance)

  const layouts = step([encounter, insurance], async () => {
    for (const width of widths) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 })
      await section('Timeline')
      await page.locator('.entry').first().waitFor()
      await expectFits(`timeline-${width}`)
      await page.locator('.entry[data-category="visits"]', { hasText: 'Encounter for problem' }).click()
      await dialog().getByTestId('links-from').waitFor()
      await expectFits(`encounter-${width}`)
      await dialog().getByRole('button', { name: 'Close' }).first().click()
      await section('Insurance history')
      await page.getByTestId('claims').waitFor({ timeout: 60_000 })
      await expectFits(`insurance-${width}`)
    }
    expect(errors.filter((error) => !/WebSocket|net::ERR|Failed to load resource/.test(error))).toEqual([])
  })
  it('reads well at 390 px and 1,280 px: nothing wider than the screen', layouts)
})
