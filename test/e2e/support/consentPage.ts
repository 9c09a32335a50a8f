// Consent actions for the patient's Sharing page and the doctor's Patients page, by accessible names.
import type { Locator, Page } from 'playwright-core'

export async function openSection(page: Page, name: 'Records' | 'Sharing' | 'Patients') {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click()
  await page.getByRole('heading', { level: 1 }).first().waitFor()
}

/** The doctor's app publishes its network address in the directory, then listens for consents. */
export async function waitUntilReachable(page: Page) {
  await openSection(page, 'Patients')
  const status = page.getByTestId('doctor-reachability')
  await status.filter({ hasText: /^Listening for consents/ }).waitFor({ timeout: 60_000 })
}

export async function shareWith(page: Page, doctor: string, scopeLabels: string[], label: string) {
  await openSection(page, 'Sharing')
  await page.getByLabel('Search the directory').fill(doctor.split(' ').at(-1)!)
  await page.getByRole('radio', { name: new RegExp(doctor.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).check()
  for (const scope of scopeLabels) await page.getByRole('checkbox', { name: scope, exact: true }).check()
  await page.getByLabel('Label the doctor will see').fill(label)
  await page.getByRole('button', { name: 'Share records' }).click()
}

/** Waits for `target`; an error shown on the page instead fails at once with its text. */
export async function untilOrAlert(page: Page, target: Locator, timeout = 60_000) {
  const alert = page.getByRole('alert')
  await target.or(alert).first().waitFor({ timeout })
  if (!(await target.isVisible())) throw new Error(`the page shows an error: ${(await alert.allTextContents()).join(' | ')}`)
}

export async function acceptConsent(page: Page, label: string) {
  await openSection(page, 'Patients')
  const consent = page.getByRole('article', { name: `Consent from ${label}` })
  await consent.waitFor({ timeout: 60_000 })
  await consent.getByRole('button', { name: 'Accept' }).click()
  await untilOrAlert(page, page.getByRole('article', { name: `Patient ${label}` }))
}

/** Opens (or opens again) a patient's records; resolves to the error shown, or '' when it opened. */
export async function openPatient(page: Page, label: string): Promise<string> {
  // "Open again" belongs to the panel that is open, which may be another patient's.
  const panel = page.getByRole('region', { name: `Records shared by ${label}`, exact: true })
  if (await panel.isVisible()) await panel.getByRole('button', { name: 'Open again' }).click()
  else await page.getByRole('button', { name: `Open records of ${label}` }).click()
  await page.getByRole('button', { name: 'Opening…' }).waitFor({ state: 'detached', timeout: 120_000 })
  const error = page.getByTestId('shared-error')
  return (await error.count()) > 0 ? ((await error.textContent()) ?? '') : ''
}

export function sharedRecords(page: Page) {
  return page.getByRole('list', { name: 'Shared records' }).getByRole('button')
}
