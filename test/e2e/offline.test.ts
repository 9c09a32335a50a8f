// The installed app with no network, in Chromium: a build of the app (service worker
// and all) served by `vite preview` beside the e2e network, loaded once online, then
// reloaded with the browser offline.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { launchProfile } from './support/browser.ts'
import { step } from './support/step.ts'
import { addRecord, recordButton, signIn } from './support/vaultPage.ts'

const appUrl = inject('appUrl')
const root = resolve(import.meta.dirname, '../..')
const vite = join(root, 'node_modules/vite/bin/vite.js')

let work: string
let preview: ChildProcess | undefined
let previewUrl: string
let profile: Awaited<ReturnType<typeof launchProfile>>
let page: Page

function run(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  // A production build, as `npm run build` makes it: vitest's NODE_ENV=test would build a non-production app (no worker registration).
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST|TEST$|NODE_ENV$)/.test(name)))
  return spawn(process.execPath, [vite, ...args], { cwd: root, env: { ...clean, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'salus-offline-'))
  const outDir = join(work, 'dist')
  const build = run(['build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'])
  let buildLog = ''
  build.stderr?.on('data', (data: Buffer) => (buildLog += data.toString()))
  const code = await new Promise<number | null>((done) => build.once('exit', done))
  if (code !== 0) throw new Error(`vite build failed (${code}): ${buildLog}`)
  const built = await readdir(outDir)
  if (!built.includes('sw.js')) throw new Error(`the build has no sw.js (${built.join(', ')}): ${buildLog}`)
  // The e2e network's config, served by the preview as the dev server serves it.
  const configPath = join(work, 'salus.config.json')
  await writeFile(configPath, await (await fetch(new URL('config/salus.config.json', appUrl))).text())
  const port = await freePort()
  preview = run(['preview', '--outDir', outDir, '--port', String(port), '--strictPort'], { SALUS_CONFIG_PATH: configPath })
  previewUrl = `http://localhost:${port}/`
  for (let tries = 0; ; tries++) {
    if (await fetch(previewUrl).then((response) => response.ok, () => false)) break
    if (tries > 300) throw new Error('vite preview did not answer')
    await new Promise((done) => setTimeout(done, 100))
  }
  profile = await launchProfile()
  page = profile.context.pages()[0] ?? (await profile.context.newPage())
}, 240_000)

afterAll(async () => {
  await profile?.dispose()
  if (preview?.pid !== undefined && preview.exitCode === null) {
    preview.kill('SIGTERM')
    await new Promise((done) => preview!.once('exit', done))
  }
  if (work) await rm(work, { recursive: true, force: true })
})

describe('the app installs and works offline', () => {
  const installed = step([], async () => {
    await page.goto(previewUrl)
    // Registered once the page has loaded; active once every file is precached.
    const state = await page.evaluate(() =>
      Promise.race([
        navigator.serviceWorker.ready.then(async ({ active }) => {
          if (active && active.state !== 'activated') await new Promise((done) => active.addEventListener('statechange', () => active.state === 'activated' && done(undefined)))
          return active?.state ?? 'none'
        }),
        new Promise<string>((done) => setTimeout(() => done('no service worker after 60 s'), 60_000)),
      ]),
    )
    expect(state).toBe('activated')
    const manifest = (await (await fetch(new URL('manifest.webmanifest', previewUrl))).json()) as { name: string; icons: unknown[] }
    expect(manifest.name).toMatch(/Salus/)
    expect(manifest.icons.length).toBeGreaterThan(0)
    // Every file of the build is precached, lazily loaded page chunks included (a #respond page would be one).
    const precached = await page.evaluate(async () => {
      const name = (await caches.keys()).find((key) => key.startsWith('salus-precache-'))
      const cache = await caches.open(name!)
      return (await cache.keys()).map((request) => new URL(request.url).pathname.slice(1))
    })
    const assets = (await readdir(join(work, 'dist/assets'))).filter((file) => !file.endsWith('.map')).map((file) => `assets/${file}`)
    expect(precached).toEqual(expect.arrayContaining([...assets, 'index.html', 'manifest.webmanifest']))
    expect(precached.some((file) => file.startsWith('zk/'))).toBe(false)
    expect(assets.some((file) => /VaultPage-.*\.js$/.test(file))).toBe(true)
  })
  it('registers a service worker that precaches the whole build and a web manifest', installed)

  const online = step([installed], async () => {
    await signIn(page, previewUrl, /Alice/)
    await addRecord(page, 'Allergy', { Substance: 'Penicillin' })
    await expect.poll(() => recordButton(page, 'Penicillin').count()).toBeGreaterThan(0)
  })
  it('signs in and adds a record while online', online)

  const offline = step([online], async () => {
    await profile.context.setOffline(true)
    expect(await page.evaluate(() => fetch('/config/salus.config.json?probe').then(() => 'reached', () => 'offline'))).toBe('offline')
    const logged: string[] = []
    page.on('console', (message) => logged.push(`${message.type()}: ${message.text().slice(0, 300)}`))
    page.on('requestfailed', (request) => logged.push(`failed: ${request.url()}`))
    await page.reload()
    // The vault opens from this device alone and shows its records.
    await page
      .getByRole('button', { name: 'Add record' })
      .waitFor({ timeout: 60_000 })
      .catch(async (error: unknown) => {
        console.error(`offline page shows:\n${await page.locator('body').innerText()}\n${logged.join('\n')}`)
        throw error
      })
    await expect.poll(() => recordButton(page, 'Penicillin').count(), { timeout: 30_000 }).toBeGreaterThan(0)
  })
  it('reloads with no network: the vault opens and shows its records', offline)

  const notice = step([offline], async () => {
    await page.goto(`${previewUrl}#sharing`)
    const offlineNotice = page.getByTestId('offline-notice')
    await offlineNotice.waitFor({ timeout: 30_000 })
    expect(await offlineNotice.textContent()).toMatch(/You are offline\.\s+Sharing with doctors needs the network/)
    await profile.context.setOffline(false)
    await expect.poll(() => offlineNotice.count()).toBe(0)
  })
  it('a page that needs the network says so instead of spinning', notice)

  it('the built service worker holds no source map and names its build version', async () => {
    const worker = await readFile(join(work, 'dist/sw.js'), 'utf8')
    expect(worker).toMatch(/const salusBuildVersion = "[0-9a-f]{16}"/)
    expect(worker).not.toMatch(/^\s*import\s/m)
  })
})
