// Debian's Chromium through playwright-core; never a downloaded browser.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const executablePath = process.env.SALUS_CHROMIUM ?? '/usr/bin/chromium'
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath, args, headless: true })
}

/** A browser profile on disk, so a test can close the browser and start it again. */
export async function launchProfile(userDataDir?: string): Promise<{ context: BrowserContext; userDataDir: string; dispose: () => Promise<void> }> {
  const dir = userDataDir ?? (await mkdtemp(join(tmpdir(), 'salus-profile-')))
  const context = await chromium.launchPersistentContext(dir, { executablePath, args, headless: true, acceptDownloads: true, viewport: { width: 1280, height: 900 } })
  return { context, userDataDir: dir, dispose: async () => { await context.close().catch(() => {}); await rm(dir, { recursive: true, force: true }) } }
}

/** Fails the test on any uncaught page error, and keeps console errors for the report. */
export function watchPage(page: Page): { errors: string[] } {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`)
  })
  return { errors }
}
