// Registry administration end to end in Chromium on the real local network: the registrar
// appoints a new medical council (a newcomer account with no role), a newcomer doctor lists
// themself, the council checks the licence number and certifies them, a patient finds them
// on the Sharing page, and after decertification no longer does; the EMS authority
// certifies and removes a responder. Each person in their own browser context.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { createPublicClient, http, type Address } from 'viem'
import type { Browser, Page } from 'playwright-core'
import { hasRegistryRole } from '../../src/chain/hasRegistryRole.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { launchBrowser } from './support/browser.ts'
import { openAs } from './support/appointmentsPage.ts'
import { openSection } from './support/consentPage.ts'
import { step } from './support/step.ts'
import { appointAuthority, listMyself, openRegistrySection, profileStatus, registryAction } from './support/registryPage.ts'

const appUrl = inject('appUrl')
const rpcUrl = inject('rpcUrl')
const chain = createPublicClient({ transport: http(rpcUrl) })

let browser: Browser
let config: NetworkConfig
const opened: { page: Page; errors: string[] }[] = []
const accountOf = (label: string): Address => config.localAccounts!.find((a) => a.label === label)!.address
const doctorName = 'Dr. Omar Haddad'

async function open(label: RegExp): Promise<Page> {
  const person = await openAs(browser, appUrl, label)
  opened.push(person)
  return person.page
}

async function findDoctor(page: Page, name: string): Promise<number> {
  await openSection(page, 'Sharing')
  await page.getByLabel('Search the directory').fill(name.split(' ').at(-1)!)
  // The directory has loaded once a seeded doctor shows for an empty query.
  await page.getByLabel('Search the directory').fill('')
  await page.getByRole('radio', { name: /Amara Okafor/ }).waitFor({ timeout: 60_000 })
  await page.getByLabel('Search the directory').fill(name.split(' ').at(-1)!)
  return page.getByRole('radio', { name: new RegExp(name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }).count()
}

let registrar: Page
let council: Page
let doctor: Page

beforeAll(async () => {
  browser = await launchBrowser()
  config = (await (await fetch(new URL('/config/salus.config.json', appUrl))).json()) as NetworkConfig
})
afterAll(async () => {
  await browser?.close()
})

describe('registry administration in Chromium', () => {
  const appointed = step([], async () => {
    registrar = await open(/^Registrar/)
    // A mistyped address is refused with what to do; nothing is sent.
    await openRegistrySection(registrar, 'Registry')
    const form = registrar.getByRole('form', { name: 'Appoint an authority' })
    await form.getByLabel('Account address').fill('0x12')
    await form.getByRole('button', { name: 'Appoint' }).click()
    await expect.poll(() => registrar.getByTestId('registry-error').textContent()).toMatch(/0x followed by 40 hex digits/)
    await appointAuthority(registrar, 'Medical council', accountOf('Newcomer Nia'))
    await expect.poll(() => registrar.getByRole('list', { name: 'Medical council' }).getByText(accountOf('Newcomer Nia')).count()).toBe(1)
    expect(await hasRegistryRole(chain, { registry: config.contracts.Registry.address, role: 'medicalAuthority', account: accountOf('Newcomer Nia') })).toBe(true)
  })

  const listed = step([], async () => {
    doctor = await open(/^Newcomer Omar/)
    // Nobody certified this account: no Patients page, and the Profile page invites a listing.
    expect(await doctor.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Patients', exact: true }).count()).toBe(0)
    // Without a licence number the entry is refused with what to do.
    await openRegistrySection(doctor, 'Profile')
    await doctor.getByLabel('Name', { exact: true }).fill(doctorName)
    await doctor.getByRole('button', { name: 'Submit for certification' }).click()
    await expect.poll(() => doctor.getByTestId('profile-error').textContent()).toMatch(/^Enter your licence number/)
    await listMyself(doctor, { role: 'doctor', name: doctorName, specialty: 'Neurology', licence: 'GMC-7111111', hospital: 'Lakeside Clinic' })
    await expect.poll(() => profileStatus(doctor).textContent()).toMatch(/^Waiting for certification by the Medical council/)
    // An application is not in the directory.
    const alice = await open(/Alice/)
    expect(await findDoctor(alice, doctorName)).toBe(0)
    await alice.context().close()
  })

  const certified = step([appointed, listed], async () => {
    council = await open(/^Newcomer Nia/)
    await openRegistrySection(council, 'Registry')
    const application = council.getByRole('article', { name: `Application from ${doctorName}` })
    await application.waitFor({ timeout: 30_000 })
    const licence = application.getByLabel('Licence number on file')
    await licence.fill('GMC-7111112')
    expect(await application.getByTestId('licence-check').textContent()).toMatch(/^Does not match/)
    await licence.fill('GMC-7111111')
    expect(await application.getByTestId('licence-check').textContent()).toMatch(/^Matches/)
    await registryAction(council, () => application.getByRole('button', { name: 'Certify' }).click(), /certified and listed/)
    await expect.poll(() => council.getByRole('list', { name: 'Certified doctors' }).getByText(doctorName).count()).toBe(1)
    expect(await council.getByRole('article', { name: `Application from ${doctorName}` }).count()).toBe(0)
  })

  it('the registrar appoints a newcomer as a medical council', async () => {
    await appointed()
  })

  it('a newcomer doctor lists themself and waits for certification, out of the directory', async () => {
    await listed()
  })

  const inDirectory = step([certified], async () => {
    await doctor.getByRole('button', { name: 'Check again' }).click()
    await expect.poll(() => profileStatus(doctor).textContent(), { timeout: 30_000 }).toMatch(/^Listed in the directory as doctor, certified by the Medical council/)
    // The roles are read again: the doctor's Patients page appears without signing in again.
    await doctor.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Patients', exact: true }).waitFor({ timeout: 30_000 })
    const alice = await open(/Alice/)
    expect(await findDoctor(alice, doctorName)).toBe(1)
    await alice.context().close()
  })

  it('the council certifies the doctor after checking the licence number; patients find them', async () => {
    await inDirectory()
    // Only the registrar appoints: the new council sees applications, not the authorities form.
    expect(await council.getByRole('form', { name: 'Appoint an authority' }).count()).toBe(0)
  })

  it('a decertified doctor disappears from the directory', async () => {
    await inDirectory()
    await registryAction(council, () => council.getByRole('button', { name: `Decertify ${doctorName}` }).click(), /no longer certified/)
    await expect.poll(() => council.getByRole('list', { name: 'Certified doctors' }).getByText(doctorName).count()).toBe(0)
    const alice = await open(/Alice/)
    expect(await findDoctor(alice, doctorName)).toBe(0)
    await alice.context().close()
    await doctor.getByRole('button', { name: 'Check again' }).click()
    await expect.poll(() => profileStatus(doctor).textContent()).toMatch(/^Waiting for certification/)
    // The roles are read again: the Patients page goes.
    await expect.poll(() => doctor.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Patients', exact: true }).count(), { timeout: 30_000 }).toBe(0)
  })

  it('the EMS authority certifies a new responder and removes one', async () => {
    const ems = await open(/^City EMS/)
    await openRegistrySection(ems, 'Registry')
    const responders = ems.getByRole('list', { name: 'Certified responders' })
    // The seeded paramedic has no directory entry: listed by address.
    await responders.getByText(/no directory entry/).first().waitFor({ timeout: 30_000 })
    const newcomer = accountOf('Newcomer Pia')
    const form = ems.getByRole('form', { name: 'Certify by address: responders' })
    await form.getByLabel(/Certify an account by address/).fill(newcomer)
    await registryAction(ems, () => form.getByRole('button', { name: 'Certify' }).click(), /is certified as ambulance responder/)
    expect(await hasRegistryRole(chain, { registry: config.contracts.Registry.address, role: 'responder', account: newcomer })).toBe(true)
    await registryAction(ems, () => ems.getByRole('button', { name: `Decertify ${newcomer}` }).click(), /no longer certified/)
    expect(await hasRegistryRole(chain, { registry: config.contracts.Registry.address, role: 'responder', account: newcomer })).toBe(false)
    // The seeded paramedic keeps the role (other tests use them).
    expect(await hasRegistryRole(chain, { registry: config.contracts.Registry.address, role: 'responder', account: accountOf('Paramedic Jonas Berg') })).toBe(true)
    // A wrong address is refused with what to do, nothing sent.
    await form.getByLabel(/Certify an account by address/).fill('0x1234')
    await form.getByRole('button', { name: 'Certify' }).click()
    await expect.poll(() => ems.getByTestId('registry-error').textContent()).toMatch(/0x followed by 40 hex digits/)
  })

  it('had no page errors', () => {
    expect(opened.flatMap((person) => person.errors).filter((error) => error.startsWith('pageerror'))).toEqual([])
  })
})
