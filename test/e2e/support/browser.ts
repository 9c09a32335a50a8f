// The machine's Chromium or Chrome (SALUS_CHROMIUM, else PATH, else /Applications on
// macOS) through playwright-core; never a downloaded browser.
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { resolveDevTool } from '../../../src/chain/deploy/devTools.ts'

// Resolved on first launch, so a file that never opens a browser needs none.
let executablePath: string | undefined
const browserExecutable = () => (executablePath ??= resolveDevTool('chromium'))
const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']

/** `extraArgs` for a test that needs more of Chromium (e.g. host mapping for a second origin). */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: browserExecutable(), args: [...args, ...extraArgs], headless: true })
}

/** A browser profile on disk, so a test can close the browser and start it again. */
export async function launchProfile(userDataDir?: string): Promise<{ context: BrowserContext; userDataDir: string; dispose: () => Promise<void> }> {
  const executablePath = browserExecutable()
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

/**
 * The host ICE candidates Chromium gathers with no STUN server. None means two
 * browsers on this machine cannot open WebRTC to each other: Chromium gathers nothing
 * on a host without a default route (loopback is never offered), and the app then
 * stays on relayed connections. Tests of WebRTC itself check this first so that such
 * a host fails with that reason instead of a dial timeout.
 */
export async function hostCandidates(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const connection = new RTCPeerConnection({ iceServers: [] })
    connection.createDataChannel('probe')
    const found: string[] = []
    const done = new Promise<void>((resolve) => {
      connection.onicecandidate = (event) => (event.candidate ? found.push(event.candidate.candidate) : resolve())
      setTimeout(resolve, 5_000)
    })
    await connection.setLocalDescription(await connection.createOffer())
    await done
    connection.close()
    return found.filter((candidate) => candidate.includes(' typ host'))
  })
}
