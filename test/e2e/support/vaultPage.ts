// Patient actions in the vault page, by accessible names (the same ones a screen reader announces).
import type { Page as PwPage } from 'playwright-core'

export async function signIn(page: PwPage, appUrl: string, label: RegExp) {
  await page.goto(appUrl)
  const card = page.getByRole('article', { name: label })
  await card.getByRole('button', { name: 'Use this account' }).click()
  // A doctor lands on Patients once the Registry answers, a responder on Respond, a pharmacist on Pharmacy; everyone else on their records.
  await page
    .getByRole('button', { name: 'Add record' })
    .or(page.getByRole('heading', { name: 'Patients', level: 1 }))
    .or(page.getByRole('heading', { name: 'Respond', level: 1 }))
    .or(page.getByRole('heading', { name: 'Pharmacy', level: 1 }))
    .first()
    .waitFor({ timeout: 60_000 })
}

export async function addRecord(page: PwPage, kind: string, fields: Record<string, string>, file?: { name: string; mimeType: string; buffer: Buffer }) {
  await page.getByRole('button', { name: 'Add record' }).click()
  await page.getByRole('tab', { name: kind, exact: true }).click()
  for (const [label, value] of Object.entries(fields)) {
    // A required field's label ends in an asterisk hidden from screen readers.
    await page.getByRole('dialog').locator('form').getByLabel(new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\*?$`)).fill(value)
  }
  if (file) await page.getByLabel('Attach a file').setInputFiles(file)
  await page.getByRole('button', { name: 'Save record' }).click()
  // The dialog closes once the record is sealed and indexed.
  await page.getByRole('button', { name: 'Save record' }).waitFor({ state: 'detached', timeout: 120_000 })
}

export function recordButton(page: PwPage, title: string | RegExp) {
  return page.getByRole('list').getByRole('button', { name: title, exact: typeof title === 'string' })
}

export async function recordCount(page: PwPage): Promise<number> {
  const text = (await page.locator('.records .count').textContent()) ?? ''
  const match = /(\d[\d,]*) record/.exec(text)
  return match ? Number(match[1]!.replace(/,/g, '')) : 0
}

/** When the import asks which person in the file is the patient: picks `person` (a name) and goes on. */
export async function choosePerson(page: PwPage, person: string | RegExp) {
  const chooser = page.getByRole('form', { name: /Which person in/ })
  try {
    await chooser.waitFor({ timeout: 60_000 })
  } catch (error) {
    // Say what the import panel shows instead (an error, an outcome).
    const shown = await page.getByRole('region', { name: /Import/ }).or(page.locator('.import')).first().innerText().catch(() => '')
    throw new Error(`no person chooser; the import panel shows: ${shown.slice(0, 800)}`, { cause: error })
  }
  await chooser.getByRole('radio', { name: person }).check()
  await chooser.getByRole('button', { name: 'Import my records' }).click()
}
