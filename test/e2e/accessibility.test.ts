// Accessibility and layout, end to end in Chromium on the real local network: every
// control on every page of every role has an accessible name (Chromium's own
// accessibility tree, read over the DevTools protocol), no page scrolls sideways from
// phone to desktop width, and a patient adds a record with the keyboard alone.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, watchPage } from './support/browser.ts'
import { recordButton } from './support/vaultPage.ts'

const appUrl = inject('appUrl')
const widths = [360, 768, 1280] as const

/** Roles a user operates; each must carry a name a screen reader can announce. */
const controlRoles = new Set(['button', 'link', 'textbox', 'searchbox', 'combobox', 'listbox', 'checkbox', 'radio', 'tab', 'switch', 'slider', 'spinbutton', 'menuitem', 'option'])

type Control = { role: string; name: string }

let browser: Browser

beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

async function openAt(width: number): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width, height: 800 } })
  const page = await context.newPage()
  return { page, errors: watchPage(page).errors }
}

/** Every control in Chromium's accessibility tree that is not ignored (hidden controls are). */
async function controls(page: Page): Promise<Control[]> {
  const cdp = await page.context().newCDPSession(page)
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[]
    }
    return nodes
      .filter((node) => !node.ignored && node.role && controlRoles.has(node.role.value))
      .map((node) => ({ role: node.role!.value, name: String(node.name?.value ?? '').trim() }))
  } finally {
    await cdp.detach()
  }
}

async function expectNamedControls(page: Page, where: string): Promise<number> {
  const found = await controls(page)
  const unnamed = found.filter((control) => control.name === '')
  expect(unnamed, `${where}: controls without an accessible name`).toEqual([])
  return found.length
}

async function expectNoSidewaysScroll(page: Page, where: string) {
  const { scrollWidth, clientWidth, widest } = await page.evaluate(() => {
    const clientWidth = document.documentElement.clientWidth
    // The innermost elements reaching past the right edge: what to fix when this fails.
    const widest = [...document.querySelectorAll('body *')]
      .filter((element) => element.getBoundingClientRect().right > clientWidth + 1 && ![...element.children].some((child) => child.getBoundingClientRect().right > clientWidth + 1))
      .slice(0, 3)
      .map((element) => `<${element.tagName.toLowerCase()} class="${element.className}"> ${(element.textContent ?? '').trim().slice(0, 80)}`)
    return { scrollWidth: document.documentElement.scrollWidth, clientWidth, widest }
  })
  expect(scrollWidth, `${where}: page wider than the viewport (${widest.join(' | ')})`).toBeLessThanOrEqual(clientWidth)
}

async function signIn(page: Page, account: RegExp) {
  await page.goto(appUrl)
  await page.getByRole('article', { name: account }).getByRole('button', { name: 'Use this account' }).click()
  await page.getByRole('navigation', { name: 'Sections' }).waitFor({ timeout: 60_000 })
}

/** Until the page's controls are the same across two rendered frames: its data has arrived and rendered. */
async function settled(page: Page): Promise<void> {
  const frames = () => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
  await expect
    .poll(async () => {
      const before = JSON.stringify(await controls(page))
      await frames()
      return JSON.stringify(await controls(page)) === before
    }, { timeout: 30_000 })
    .toBe(true)
}

/** Each section the account's roles show, opened in turn; returns the section names. */
async function visitSections(page: Page, who: string, width: number, expected: number): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Sections' })
  // Role sections appear once the Registry has answered.
  await expect.poll(() => nav.getByRole('link').count(), { timeout: 30_000 }).toBe(expected)
  // A count badge (the Inbox's) adds ", 3 waiting" to the name; the section's name is the label before it.
  const names = (await nav.getByRole('link').allTextContents()).map((text) => text.replace(/\d+\s*,\s*\d+ waiting$/, '').trim())
  for (const name of names) {
    const link = nav.getByRole('link', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s*,\\s*\\d+ waiting)?$`) })
    await link.click()
    await expect.poll(() => link.getAttribute('aria-current')).toBe('page')
    // Pages load their data after they appear: wait until lists and forms have settled.
    await page.waitForLoadState('networkidle').catch(() => {})
    await settled(page)
    const where = `${who}, ${name}, ${width}px`
    await expectNamedControls(page, where)
    await expectNoSidewaysScroll(page, where)
  }
  return names
}

/** Presses Tab until the focused element's accessible name matches, as a keyboard user would. */
async function tabTo(page: Page, name: RegExp, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null
      if (!el) return ''
      const labelled = el.getAttribute('aria-label') ?? (el as HTMLInputElement).labels?.[0]?.textContent ?? ''
      return (labelled || el.textContent || '').replace(/\s+/g, ' ').trim()
    })
    if (name.test(focused)) return
  }
  throw new Error(`${name} was not reached with ${limit} presses of Tab`)
}

describe('accessibility and layout in Chromium', () => {
  it('names every control on the start page and fits it from phone to desktop width', async () => {
    for (const width of widths) {
      const { page, errors } = await openAt(width)
      await page.goto(appUrl)
      await page.getByRole('button', { name: 'Use this account' }).first().waitFor({ timeout: 60_000 })
      expect(await expectNamedControls(page, `start page, ${width}px`)).toBeGreaterThan(0)
      await expectNoSidewaysScroll(page, `start page, ${width}px`)
      expect(errors).toEqual([])
      await page.context().close()
    }
  })

  it.each([
    ['a patient', /Alice/, ['Records', 'Timeline', 'Inbox', 'Sharing', 'Emergency card', 'Prescriptions', 'Appointments', 'Insurance history', 'Profile']],
    ['a doctor', /Amara Okafor/, ['Patients', 'Records', 'Timeline', 'Inbox', 'Sharing', 'Emergency card', 'Prescriptions', 'Appointments', 'Insurance history', 'Schedule', 'Profile']],
    // The demo insurer is also the insurance regulator, so it sees the Registry.
    ['an insurer', /^Meridian Health Insurance/, ['Records', 'Timeline', 'Inbox', 'Sharing', 'Emergency card', 'Prescriptions', 'Appointments', 'Insurance history', 'Insurance', 'Registry', 'Profile']],
    ['a paramedic', /Paramedic Jonas Berg/, ['Respond', 'Records', 'Timeline', 'Inbox', 'Sharing', 'Emergency card', 'Prescriptions', 'Appointments', 'Insurance history', 'Profile']],
    ['a pharmacist', /Paula Reyes/, ['Pharmacy', 'Records', 'Timeline', 'Inbox', 'Sharing', 'Emergency card', 'Prescriptions', 'Appointments', 'Insurance history', 'Profile']],
    ['the registrar', /^Registrar/, ['Records', 'Timeline', 'Inbox', 'Sharing', 'Emergency card', 'Prescriptions', 'Appointments', 'Insurance history', 'Registry', 'Profile']],
  ] as const)('names every control on every page of %s, at phone, tablet and desktop width', async (who, account, expected) => {
    for (const width of widths) {
      const { page, errors } = await openAt(width)
      await signIn(page, account)
      expect(await visitSections(page, who, width, expected.length)).toEqual(expected)
      expect(errors).toEqual([])
      await page.context().close()
    }
  })

  it('names every field of every kind of record in the add-record dialog, at phone width', async () => {
    const { page } = await openAt(360)
    await signIn(page, /Alice/)
    await page.getByRole('button', { name: 'Add record' }).click()
    const tabs = await page.getByRole('tab').allTextContents()
    expect(tabs.length).toBeGreaterThanOrEqual(6)
    for (const kind of tabs) {
      await page.getByRole('tab', { name: kind.trim(), exact: true }).click()
      await expectNamedControls(page, `add-record dialog, ${kind.trim()}`)
      await expectNoSidewaysScroll(page, `add-record dialog, ${kind.trim()}`)
    }
    await page.context().close()
  })

  it('lets a patient add an allergy and open it with the keyboard alone, at phone width', async () => {
    const { page, errors } = await openAt(360)
    await signIn(page, /Alice/)
    await tabTo(page, /^Add record$/)
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    // Into the tab list, then arrow keys to the allergy form (WAI-ARIA tabs).
    await tabTo(page, /^(Allergy|Medication|Condition|Lab result|Immunization|Note)$/)
    for (let i = 0; i < 8 && !(await page.getByRole('tab', { name: 'Allergy', exact: true, selected: true }).count()); i++) {
      await page.keyboard.press('ArrowRight')
    }
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Allergy')
    await tabTo(page, /^Substance/)
    await page.keyboard.type('Peanuts, typed')
    await tabTo(page, /^Save record$/)
    await page.keyboard.press('Enter')
    await dialog.waitFor({ state: 'detached', timeout: 120_000 })
    // Back on the list, the new record opens from the keyboard too.
    await tabTo(page, /Peanuts, typed/, 200)
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByRole('heading', { name: /Peanuts, typed/ }).count(), { timeout: 30_000 }).toBeGreaterThan(0)
    expect(await recordButton(page, /Peanuts, typed/).count()).toBeGreaterThan(0)
    expect(errors).toEqual([])
    await page.context().close()
  })
})
