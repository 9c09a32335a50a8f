// Registry administration and self-listing, by accessible names: the registrar's and an
// authority's Registry page, and anyone's Profile page.
import type { Page } from 'playwright-core'
import { untilOrAlert } from './consentPage.ts'

export async function openRegistrySection(page: Page, name: 'Registry' | 'Profile'): Promise<void> {
  const link = page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true })
  await link.waitFor({ timeout: 30_000 })
  await link.click()
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor()
  await page.getByText(/^Reading (the registry|your entry)…$/).waitFor({ state: 'detached', timeout: 30_000 })
}

/** Runs a Registry page action and waits for its outcome; an error shown instead fails with its text. */
export async function registryAction(page: Page, act: () => Promise<void>, outcome: RegExp): Promise<void> {
  await act()
  await untilOrAlert(page, page.getByTestId('registry-status').filter({ hasText: outcome }))
}

export async function appointAuthority(page: Page, kind: string, address: string): Promise<void> {
  await openRegistrySection(page, 'Registry')
  const form = page.getByRole('form', { name: 'Appoint an authority' })
  await form.getByLabel('Kind').selectOption({ label: kind })
  await form.getByLabel('Account address').fill(address)
  await registryAction(page, () => form.getByRole('button', { name: 'Appoint' }).click(), /is now a/)
}

export type OwnEntry = { role: string; name: string; specialty: string; licence: string; hospital: string }

export async function listMyself(page: Page, entry: OwnEntry): Promise<void> {
  await openRegistrySection(page, 'Profile')
  const form = page.getByRole('form', { name: /List yourself/ })
  await form.getByLabel('Role applied for').selectOption(entry.role)
  await form.getByLabel('Name', { exact: true }).fill(entry.name)
  await form.getByLabel('Specialty').fill(entry.specialty)
  await form.getByLabel('Licence number').fill(entry.licence)
  await form.getByLabel('Hospital or pharmacy').fill(entry.hospital)
  await form.getByRole('button', { name: 'Submit for certification' }).click()
  await untilOrAlert(page, page.getByText('Your entry is submitted.'))
}

export function profileStatus(page: Page) {
  return page.getByTestId('profile-status')
}
