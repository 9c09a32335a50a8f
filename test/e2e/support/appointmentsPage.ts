// Appointments, Schedule and Insurance pages, driven by accessible names.
import type { Browser, Page } from 'playwright-core'
import type { Hash } from 'viem'
import { watchPage } from './browser.ts'

/** One signed-in tab in its own browser context (its own IndexedDB and session), clock in UTC. */
export async function openAs(browser: Browser, appUrl: string, label: RegExp): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ timezoneId: 'UTC', viewport: { width: 1280, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(appUrl).origin })
  const page = await context.newPage()
  const { errors } = watchPage(page)
  await page.goto(appUrl)
  await page.getByRole('article', { name: label }).getByRole('button', { name: 'Use this account' }).click()
  await page.getByRole('navigation', { name: 'Sections' }).waitFor({ timeout: 60_000 })
  return { page, errors }
}

export async function openSection(page: Page, name: 'Appointments' | 'Schedule' | 'Insurance'): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click({ timeout: 30_000 })
  await page.getByRole('heading', { level: 1, name, exact: true }).waitFor()
  // Loaded once the page's busy text is gone.
  await page.getByText(/^Loading .*…$/).waitFor({ state: 'detached', timeout: 60_000 })
}

export async function refresh(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Refresh', exact: true }).click()
  await page.getByRole('status').filter({ hasText: 'Refreshing…' }).waitFor({ state: 'detached', timeout: 30_000 })
}

/** Waits for the last action's receipt (or fails with the page's error sentence) and returns its transaction hash. */
export async function actionReceipt(page: Page, text: RegExp, timeout = 120_000): Promise<{ text: string; txHash: Hash }> {
  const receipt = page.getByTestId('action-receipt').filter({ hasText: text })
  const error = page.getByTestId('action-error')
  const outcome = await Promise.race([
    receipt.waitFor({ timeout }).then(() => 'ok' as const),
    error.waitFor({ timeout }).then(() => 'error' as const),
  ])
  if (outcome === 'error') throw new Error(`the page reported: ${await error.textContent()}`)
  return { text: (await receipt.textContent()) ?? '', txHash: (await receipt.locator('code').textContent()) as Hash }
}

/** The page's error sentence for the last action. */
export async function actionError(page: Page, timeout = 120_000): Promise<string> {
  const error = page.getByTestId('action-error')
  await error.waitFor({ timeout })
  return (await error.textContent()) ?? ''
}

export function slot(page: Page, slotId: bigint) {
  return page.getByRole('article', { name: new RegExp(`^Slot #${slotId}\\b`) })
}

/** A datetime-local value in UTC (the test contexts run in UTC). */
export function utcInput(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 16)
}
