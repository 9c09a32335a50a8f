// The patient's vault, end to end in Chromium against the real local network
// (anvil with the deployed contracts, care nodes, Vite).
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import { CID } from 'multiformats/cid'
import { base32upper } from 'multiformats/bases/base32'
import type { BrowserContext, Page } from 'playwright-core'
import { launchProfile, watchPage } from './support/browser.ts'
import { step } from './support/step.ts'
import { addRecord, choosePerson, recordButton, recordCount, signIn } from './support/vaultPage.ts'
import { validateResource } from '../../src/core/fhir/validateResource.ts'

const appUrl = inject('appUrl')
import { fhirFixtures as fixtures } from '../support/fixtures.ts'
const alice = /Alice/

// A small but real PDF, and a 3 MB "image" (random bytes: it crosses several 1 MiB stream chunks).
const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n')
const bigImage = Buffer.alloc(3 * 1024 * 1024 + 124)
for (let i = 0; i < bigImage.length; i += 4) bigImage.writeUInt32LE((i * 2654435761) >>> 0, i)

let profile: Awaited<ReturnType<typeof launchProfile>>
let page: Page
let errors: string[]

async function openPage(context: BrowserContext) {
  const next = context.pages()[0] ?? (await context.newPage())
  errors = watchPage(next).errors
  return next
}

beforeAll(async () => {
  profile = await launchProfile()
  page = await openPage(profile.context)
})
afterAll(async () => {
  await profile?.dispose()
})

describe('patient vault in Chromium', () => {
  const step1 = step([], async () => {
    await signIn(page, appUrl, alice)
    await addRecord(page, 'Allergy', { Substance: 'Penicillin' })
    await addRecord(page, 'Medication', { 'Medication name': 'Metformin 500 mg' })
    await addRecord(page, 'Condition', { Condition: 'Type 2 diabetes' })
    await addRecord(page, 'Lab result', { Test: 'HbA1c', Value: '6.4', Unit: '%', Date: '2026-10-01' })
    await addRecord(page, 'Immunization', { Vaccine: 'Tetanus booster', Date: '2025-05-12' })
    await addRecord(page, 'Note', { Title: 'Discharge letter', Text: 'Discharged in good health.' }, { name: 'letter.pdf', mimeType: 'application/pdf', buffer: pdf })
    await addRecord(page, 'Note', { Title: 'Knee X-ray', Text: 'Left knee, two views.' }, { name: 'knee.png', mimeType: 'image/png', buffer: bigImage })
    for (const title of ['Penicillin', 'Metformin 500 mg', 'Type 2 diabetes', /HbA1c/, 'Tetanus booster', 'Discharge letter', 'Knee X-ray']) {
      await expect.poll(() => recordButton(page, title).count()).toBeGreaterThan(0)
    }
    expect(await recordCount(page)).toBe(7)
  })
  it('signs in with a local account and adds one record of each kind', step1)

  const step2 = step([step1], async () => {
    await recordButton(page, /HbA1c/).first().click()
    const dialog = page.getByRole('dialog')
    await expect.poll(() => dialog.getByText('6.4').count()).toBeGreaterThan(0)
    await dialog.getByRole('button', { name: 'Close' }).first().click()
    await page.getByLabel('Search records').fill('metformin')
    await expect.poll(() => page.getByRole('list').getByRole('button').count()).toBe(1)
    await page.getByLabel('Search records').fill('')
  })
  it('shows a record in words, not only JSON, and searches', step2)

  const step3 = step([step1], async () => {
    await recordButton(page, 'Penicillin').click()
    const dialog = page.getByRole('dialog')
    const one = page.waitForEvent('download')
    await dialog.getByRole('button', { name: 'Export JSON' }).click()
    const resource = JSON.parse(await readFile((await (await one).path())!, 'utf8')) as { resourceType: string; code?: { text?: string } }
    expect(resource.resourceType).toBe('AllergyIntolerance')
    expect(JSON.stringify(resource)).toContain('Penicillin')
    expect(validateResource(resource).resourceType).toBe('AllergyIntolerance')
    await dialog.getByRole('button', { name: 'Close' }).first().click()

    const all = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export all records' }).click()
    const bundle = JSON.parse(await readFile((await (await all).path())!, 'utf8')) as { resourceType: string; type: string; entry: unknown[] }
    expect(bundle.resourceType).toBe('Bundle')
    expect(bundle.entry).toHaveLength(await recordCount(page))
    expect(validateResource(bundle).resourceType).toBe('Bundle')
  })
  it('exports a record and the whole vault as FHIR JSON', step3)

  const step4 = step([step1], async () => {
    const bobPage = await profile.context.newPage()
    try {
      await signIn(bobPage, appUrl, /Bob/)
      expect(await recordCount(bobPage)).toBe(0)
      await addRecord(bobPage, 'Allergy', { Substance: 'Latex' })
      await expect.poll(() => recordCount(bobPage)).toBe(1)
      // Alice's tab is untouched and does not see Bob's record, even after a reload.
      await page.reload()
      await page.getByRole('button', { name: 'Add record' }).waitFor({ timeout: 60_000 })
      await expect.poll(() => recordCount(page), { timeout: 30_000 }).toBe(7)
      expect(await recordButton(page, 'Latex').count()).toBe(0)
    } finally {
      await bobPage.close()
    }
  })
  it('lets a second tab be a second user, each seeing only their own records', step4)

  const step5 = step([step1], async () => {
    await page.reload()
    // The tab remembers its account and opens the vault again after one signature.
    await page.getByRole('button', { name: 'Add record' }).waitFor({ timeout: 60_000 })
    await expect.poll(() => recordCount(page), { timeout: 30_000 }).toBe(7)

    const dir = profile.userDataDir
    await profile.context.close()
    profile = { ...(await launchProfile(dir)), userDataDir: dir }
    page = await openPage(profile.context)
    await signIn(page, appUrl, alice)
    await expect.poll(() => recordCount(page), { timeout: 30_000 }).toBe(7)
    await recordButton(page, 'Discharge letter').click()
    await expect.poll(() => page.getByRole('dialog').getByText('letter.pdf').count()).toBeGreaterThan(0)
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).first().click()
  })
  it('keeps everything across a reload and a browser restart', step5)

  const step6 = step([step1], async () => {
    const before = await recordCount(page)
    await page.getByLabel('Import FHIR file').setInputFiles(`${fixtures}/ips-bundle-01.json`)
    // The IPS is about Martha DeLarosa: she is asked for; its practitioner, organizations and medications are context, not records.
    await choosePerson(page, /Martha DeLarosa/)
    const ips = JSON.parse(await readFile(`${fixtures}/ips-bundle-01.json`, 'utf8')) as { entry: { resource: { resourceType: string } }[] }
    const context = new Set(['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication'])
    await expect.poll(() => recordCount(page), { timeout: 60_000 }).toBe(before + ips.entry.filter((e) => !context.has(e.resource.resourceType)).length)

    const afterIps = await recordCount(page)
    await page.getByLabel('Import FHIR file').setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('{"resourceType": "Observation", "status": ') })
    await expect.poll(() => page.getByRole('list', { name: /Not imported from broken\.json/ }).count()).toBe(1)
    await page.getByLabel('Import FHIR file').setInputFiles({ name: 'wrong.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ resourceType: 'Condition', onsetDateTime: '2023-02-30' })) })
    await expect
      .poll(() => page.getByRole('list', { name: /Not imported from wrong\.json/ }).count(), {
        message: `import panel: ${await page.getByTestId('import-results').innerText().catch(() => '')}`,
        timeout: 30_000,
      })
      .toBe(1)
    expect(await page.getByRole('list', { name: /Not imported from wrong\.json/ }).textContent()).toMatch(/subject|onset|date/i)
    expect(await recordCount(page)).toBe(afterIps)
  })
  it('imports an IPS bundle and lists what a bad file could not import, touching nothing', step6)

  const step7 = step([step1], async () => {
    const before = await recordCount(page)
    // The IPS above holds this allergy already (it would be skipped as a duplicate): a note makes it a new record.
    const allergy = JSON.parse(await readFile(`${fixtures}/AllergyIntolerance-extracted-from-ips-bundle-01.json`, 'utf8')) as Record<string, unknown>
    const json = JSON.stringify({ ...allergy, note: [{ text: 'Dropped on the import area' }] })
    const dataTransfer = await page.evaluateHandle((text) => {
      const transfer = new DataTransfer()
      transfer.items.add(new File([text], 'allergy.json', { type: 'application/json' }))
      return transfer
    }, json)
    const zone = page.getByRole('region', { name: 'Drop FHIR files here' })
    await zone.dispatchEvent('dragenter', { dataTransfer })
    await zone.dispatchEvent('drop', { dataTransfer })
    // The allergy points to a patient the file does not hold: the import asks whether that is you.
    await choosePerson(page, /A patient not in this file/)
    await expect.poll(() => recordCount(page), { timeout: 30_000 }).toBe(before + 1)
  })
  it('imports a resource dropped onto the drop zone', step7)

  const step8 = step([step1], async () => {
    await page.getByRole('button', { name: 'Anchor now' }).click()
    await expect.poll(() => page.getByTestId('anchor-status').textContent(), { timeout: 60_000 }).toMatch(/all .*anchored|no record.*waiting|0 record/i)
    await recordButton(page, 'Penicillin').click()
    const dialog = page.getByRole('dialog')
    await expect.poll(() => dialog.getByText(/batch/i).count()).toBeGreaterThan(0)
    await dialog.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => dialog.getByTestId('verify-result').getAttribute('class'), { timeout: 30_000 }).toMatch(/\bok\b/)
    await dialog.getByRole('button', { name: 'Close' }).first().click()
  })
  it('anchors records in one batch and verifies one against the chain', step8)

  const step9 = step([step8], async () => {
    const count = await recordCount(page)
    const downloading = page.waitForEvent('download', { timeout: 120_000 })
    await page.getByRole('button', { name: 'Download encrypted backup' }).click()
    const download = await downloading
    const archivePath = `${profile.userDataDir}-backup.salus`
    await download.saveAs(archivePath)
    const archive = await readFile(archivePath)
    expect(archive.subarray(0, 12).toString('latin1')).toBe('SALUS-BACKUP')
    expect(archive.includes(Buffer.from('Penicillin'))).toBe(false)

    const fresh = await launchProfile()
    try {
      const freshPage = await fresh.context.newPage()
      await signIn(freshPage, appUrl, alice)
      expect(await recordCount(freshPage)).toBe(0)
      // The empty vault offers the restore (this account anchored before) beside the backup panel's: either restores.
      await freshPage.getByLabel('Restore from backup').first().setInputFiles(archivePath)
      await expect.poll(() => recordCount(freshPage), { timeout: 120_000 }).toBe(count)
      await recordButton(freshPage, 'Penicillin').click()
      const dialog = freshPage.getByRole('dialog')
      await dialog.getByRole('button', { name: 'Verify' }).click()
      await expect.poll(() => dialog.getByTestId('verify-result').getAttribute('class'), { timeout: 30_000 }).toMatch(/\bok\b/)
    } finally {
      await fresh.dispose()
    }
  })
  it('backs up to an encrypted file and restores into a fresh profile with the same wallet', step9)

  const step10 = step([step8], async () => {
    const id = await recordButton(page, 'Type 2 diabetes').getAttribute('aria-labelledby')
    const cid = CID.parse(id!.replace(/^title-/, ''))
    const key = `/${base32upper.encoder.encode(cid.multihash.bytes)}`
    const account = await page.evaluate(() => indexedDB.databases().then((dbs) => dbs.map((db) => db.name ?? '')))
    const blocksDb = account.find((name) => name.endsWith(':blocks'))!
    const changed = await page.evaluate(
      ([dbName, blockKey]) =>
        new Promise<boolean>((resolve, reject) => {
          const open = indexedDB.open(dbName!)
          open.onerror = () => reject(open.error)
          open.onsuccess = () => {
            const db = open.result
            const tx = db.transaction(dbName!, 'readwrite')
            const store = tx.objectStore(dbName!)
            const get = store.get(blockKey!)
            get.onsuccess = () => {
              const bytes = new Uint8Array(get.result as ArrayBuffer | Uint8Array)
              if (bytes.length === 0) return resolve(false)
              bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0x01
              store.put(bytes, blockKey!)
            }
            tx.oncomplete = () => resolve(true)
            tx.onerror = () => reject(tx.error)
          }
        }),
      [blocksDb, key],
    )
    expect(changed).toBe(true)
    await recordButton(page, 'Type 2 diabetes').click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => dialog.getByTestId('verify-result').textContent(), { timeout: 30_000 }).toMatch(/altered|tamper|does not match/i)
    await dialog.getByRole('button', { name: 'Close' }).first().click()
  })
  it('detects a block altered in storage', step10)

  it('raised no uncaught errors in the page', () => {
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([])
  })
})
