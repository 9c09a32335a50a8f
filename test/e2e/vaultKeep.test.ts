// Keeping records, end to end in Chromium against the real local network: a big import in
// the worker with progress (the page stays responsive), cancel half-way (vault unchanged), a
// file of several patients keeping only your own, the same file twice (nothing doubled), two
// tabs adding at once (nothing lost), a tab closed mid-import (consistent on reopen), a full
// storage quota (clear message, nothing lost), and the phone layout.
// The patient files are s4-import's Synthea fixtures (test/fixtures/fhir/synthea, see SOURCES.md);
// the long imports that are cancelled or interrupted use a bigger Synthea-shaped Bundle
// (test/support/syntheaLike.ts) so there is time to stop them half-way.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { BrowserContext, Page } from 'playwright-core'
import { launchProfile, watchPage } from './support/browser.ts'
import { step } from './support/step.ts'
import { addRecord, choosePerson, recordCount, signIn } from './support/vaultPage.ts'
import { syntheaLikeBundle } from '../support/syntheaLike.ts'
import { fhirFixtures } from '../support/fixtures.ts'

const appUrl = inject('appUrl')
const who = /Newcomer Pia/
// The storage quota of step 6's own profile (SALUS_E2E_QUOTA to measure with another).
const fullQuota = Number(process.env.SALUS_E2E_QUOTA ?? 256 * 1024)
const file = (name: string, value: unknown) => ({ name, mimeType: 'application/fhir+json', buffer: Buffer.from(JSON.stringify(value)) })

// A full Synthea patient (1.6 MB, 490 records once practitioners and organizations are context).
const syntheaName = 'Ilene33_Klocko335_6c0c7dd6-927c-137f-e7d0-d761d7486308.json'
const big = { name: syntheaName, mimeType: 'application/fhir+json', buffer: readFileSync(`${fhirFixtures}/synthea/${syntheaName}`) }
const syntheaRecords = 490
// A bulk export (NDJSON) of three Synthea patients: Devin82 has 36 records, the others 42 and 31.
const family = { name: 'bulk-export-3-patients.ndjson', mimeType: 'application/fhir+ndjson', buffer: readFileSync(`${fhirFixtures}/synthea/bulk-export-3-patients.ndjson`) }
const toCancel = file('to-cancel.json', syntheaLikeBundle({ recordsPerPatient: 1_500, seed: 2 }))

let profile: Awaited<ReturnType<typeof launchProfile>>
let page: Page
let errors: string[]

async function openPage(context: BrowserContext) {
  const next = await context.newPage()
  errors = watchPage(next).errors
  return next
}

const importInput = (p: Page) => p.getByLabel('Import FHIR file')

/** A reload: the tab's session resumes (sessionStorage) and the vault is read from IndexedDB again. */
async function reopen(p: Page) {
  await p.reload()
  await p.getByRole('button', { name: 'Add record' }).waitFor({ timeout: 60_000 })
}

/** Starts a frame-gap recorder in the page: the longest time between two animation frames shows a blocked page. */
async function startHeartbeat(p: Page) {
  await p.evaluate(() => {
    const w = window as unknown as { beat: { max: number; frames: number; long: number[]; stop: boolean } }
    w.beat = { max: 0, frames: 0, long: [], stop: false }
    let last = performance.now()
    const tick = (now: number) => {
      w.beat.max = Math.max(w.beat.max, now - last)
      w.beat.frames++
      last = now
      if (!w.beat.stop) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
    new PerformanceObserver((list) => list.getEntries().forEach((e) => !w.beat.stop && w.beat.long.push(e.duration))).observe({ type: 'longtask', buffered: false })
  })
}
async function stopHeartbeat(p: Page) {
  return p.evaluate(() => {
    const w = window as unknown as { beat: { max: number; frames: number; long: number[]; stop: boolean } }
    w.beat.stop = true
    return { maxFrameGapMs: Math.round(w.beat.max), frames: w.beat.frames, longTasks: w.beat.long.length, longestTaskMs: Math.round(Math.max(0, ...w.beat.long)) }
  })
}

beforeAll(async () => {
  profile = await launchProfile()
  page = await openPage(profile.context)
})
afterAll(async () => {
  await profile?.dispose()
})

describe('keeping records in Chromium', () => {
  const step1 = step([], async () => {
    await signIn(page, appUrl, who)
    expect(await recordCount(page)).toBe(0)
    await startHeartbeat(page)
    const started = Date.now()
    await importInput(page).setInputFiles(big)
    await choosePerson(page, /Ilene33 Klocko335/)
    // Progress shows while it runs, with a cancel button.
    const running = page.getByTestId('import-running')
    await expect.poll(() => running.getByRole('progressbar').count(), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => running.getByRole('button', { name: 'Cancel import' }).count()).toBe(1)
    await expect.poll(() => recordCount(page), { timeout: 170_000, interval: 500 }).toBe(syntheaRecords)
    const beat = await stopHeartbeat(page)
    console.log(`e2e import of a Synthea patient (${syntheaRecords} records): ${Date.now() - started} ms; page heartbeat`, beat)
    // The page kept drawing frames: never blocked for a second or more.
    expect(beat.frames).toBeGreaterThan(20)
    // Under a loaded CI machine (load 20 on 2 cores) a 100 ms task can take 1 s; reading the file on
    // the page (before the worker) blocked it for the whole parse, seconds for this file.
    expect(beat.maxFrameGapMs).toBeLessThan(2_500)
    await expect.poll(() => page.getByTestId('import-results').textContent()).toMatch(/Imported 490 records from Ilene33/)
  })
  it('imports a full patient in the worker with progress, the page responsive', step1, 180_000)

  const step2 = step([step1], async () => {
    const before = await recordCount(page)
    await importInput(page).setInputFiles(toCancel)
    await choosePerson(page, /Ana Lopez/)
    const bar = page.getByTestId('import-running').getByRole('progressbar')
    // Half-way through encrypting, cancel.
    await expect
      .poll(async () => Number((await bar.getAttribute('value')) ?? 0) / Number((await bar.getAttribute('max')) ?? 1), { timeout: 120_000, interval: 100 })
      .toBeGreaterThan(0.3)
    await page.getByRole('button', { name: 'Cancel import' }).click()
    await expect.poll(() => page.getByTestId('import-results').textContent(), { timeout: 30_000 }).toMatch(/cancelled\. Nothing from this file was stored/)
    expect(await recordCount(page)).toBe(before)
    await reopen(page)
    await expect.poll(() => recordCount(page), { timeout: 60_000 }).toBe(before)
  })
  it('cancels an import half-way: the vault is unchanged, also after a reload', step2, 180_000)

  const step3 = step([step1], async () => {
    const before = await recordCount(page)
    await importInput(page).setInputFiles(family)
    const chooser = page.getByRole('form', { name: /Which person in bulk-export-3-patients\.ndjson/ })
    await chooser.waitFor({ timeout: 60_000 })
    expect(await chooser.getByRole('radio').count()).toBe(4) // three people and "none of these"
    await choosePerson(page, /Devin82/)
    await expect.poll(() => recordCount(page), { timeout: 60_000 }).toBe(before + 36)
    const aside = page.getByRole('list', { name: /Set aside from bulk-export-3-patients\.ndjson/ })
    await expect.poll(() => aside.textContent()).toMatch(/42 records about Mrs\. Sumiko254 Larue605 Medhurst46/)
    expect(await aside.textContent()).toMatch(/31 records about Denis399/)

    // The same file again: nothing doubled, and the outcome says so (not a success).
    await importInput(page).setInputFiles(family)
    await choosePerson(page, /Devin82/)
    await expect
      .poll(() => page.getByTestId('import-results').textContent(), { timeout: 60_000 })
      .toMatch(/Nothing was imported from bulk-export-3-patients\.ndjson\. 36 records were already in your vault/)
    expect(await recordCount(page)).toBe(before + 36)
  })
  it('keeps only your own records from a file of several patients, and never doubles a file imported twice', step3, 120_000)

  const step4 = step([step1], async () => {
    const before = await recordCount(page)
    const second = await openPage(profile.context)
    await signIn(second, appUrl, who)
    await expect.poll(() => recordCount(second), { timeout: 60_000 }).toBe(before)
    // Both tabs add at once: each index write lands on the same last page.
    await Promise.all([
      (async () => {
        for (let i = 0; i < 3; i++) await addRecord(page, 'Allergy', { Substance: `First tab allergy ${i}` })
      })(),
      (async () => {
        for (let i = 0; i < 3; i++) await addRecord(second, 'Allergy', { Substance: `Second tab allergy ${i}` })
      })(),
    ])
    // Each tab hears of the other's records.
    await expect.poll(() => recordCount(page), { timeout: 30_000 }).toBe(before + 6)
    await expect.poll(() => recordCount(second), { timeout: 30_000 }).toBe(before + 6)
    await second.close()
    await reopen(page)
    await expect.poll(() => recordCount(page), { timeout: 60_000 }).toBe(before + 6)
  })
  it('two tabs adding at once lose nothing, and each sees the other', step4, 180_000)

  const step5 = step([step1], async () => {
    const before = await recordCount(page)
    const doomed = await openPage(profile.context)
    await signIn(doomed, appUrl, who)
    await importInput(doomed).setInputFiles(file('closed.json', syntheaLikeBundle({ recordsPerPatient: 1_500, seed: 5 })))
    await choosePerson(doomed, /Ana Lopez/)
    const bar = doomed.getByTestId('import-running').getByRole('progressbar')
    await expect
      .poll(async () => Number((await bar.getAttribute('value')) ?? 0) / Number((await bar.getAttribute('max')) ?? 1), { timeout: 120_000, interval: 100 })
      .toBeGreaterThan(0.5)
    await doomed.close()
    await reopen(page)
    await expect.poll(() => recordCount(page), { timeout: 60_000 }).toBe(before)
    // The vault still takes new records after the interrupted import.
    await addRecord(page, 'Allergy', { Substance: 'After the closed tab' })
    await expect.poll(() => recordCount(page)).toBe(before + 1)
  })
  it('a tab closed in the middle of an import leaves the vault consistent', step5, 180_000)

  const step6 = step([], async () => {
    // Its own profile, with the quota set before the app first uses storage there. Set on an origin
    // whose IndexedDB was already in use (the main profile after step 1), Chromium 156's override often
    // did not stop writes (they committed in 3 of 4 full runs, even at 1 KB); set before the first
    // visit, writes over it were refused. The mapping itself is tested in test/unit/vaultNeverLost.test.ts.
    const full = await launchProfile()
    try {
      const tab = full.context.pages()[0] ?? (await full.context.newPage())
      watchPage(tab)
      const cdp = await full.context.newCDPSession(tab)
      const origin = new URL(appUrl).origin
      // The browser's own figure (the page's estimate() is padded).
      const usage = async () => (await cdp.send('Storage.getUsageAndQuota', { origin })).usage
      // 256 KB: room for signing in and one record added with the form, not for a 300-record import.
      // Measured in Chromium 156 with no limit: 4.5 KB used after sign-in, 8 KB after the record, 1 MB
      // after the import. A quota of 0 turns the override off, so it is never 0.
      await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: fullQuota })
      await signIn(tab, appUrl, who)
      const afterSignIn = await usage()
      await addRecord(tab, 'Allergy', { Substance: 'Before the storage filled' })
      await expect.poll(() => recordCount(tab), { timeout: 30_000 }).toBe(1)
      const afterRecord = await usage()
      console.log(`e2e storage quota ${fullQuota} bytes: usage after sign-in ${afterSignIn}, after one record ${afterRecord}`)
      await importInput(tab).setInputFiles(file('too-much.json', syntheaLikeBundle({ recordsPerPatient: 300, seed: 6 })))
      await choosePerson(tab, /Ana Lopez/)
      await expect.poll(() => tab.getByTestId('import-results').innerText().catch(() => ''), { timeout: 150_000 }).toMatch(/too-much\.json/)
      const alerts = await tab.getByRole('alert').allTextContents()
      const panel = await tab.getByTestId('import-results').innerText()
      console.log(`e2e storage quota: usage after the refused import ${await usage()}`)
      expect(alerts, `import panel: ${panel}`).toContainEqual(expect.stringMatching(/storage for Salus is full.*backup/i))
      expect(panel).toMatch(/Nothing was imported from too-much\.json/)
      expect(await recordCount(tab)).toBe(1)
      await reopen(tab)
      await expect.poll(() => recordCount(tab), { timeout: 60_000 }).toBe(1)
    } finally {
      await full.dispose()
    }
  })
  it('a full storage quota gives a clear message and loses nothing', step6, 240_000)

  const step7 = step([step1], async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    try {
      const input = await page.getByRole('button', { name: 'Export all records' }).boundingBox()
      const list = await page.locator('.records').first().boundingBox()
      const importBox = await page.getByRole('region', { name: 'Drop FHIR files here' }).boundingBox()
      expect(importBox && list && importBox.y < list.y).toBe(true)
      expect(input && list && input.y < list.y).toBe(true)
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 })
    }
    expect(errors.filter((e) => !/Failed to load resource|QuotaExceeded|quota/i.test(e))).toEqual([])
  })
  it('on a phone, import, export and backup come before the record list; nothing widens the page', step7)
})
