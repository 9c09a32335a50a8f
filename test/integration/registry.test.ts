import type { ChildProcess } from 'node:child_process'
import { createPublicClient, http, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appointAuthority } from '../../src/chain/appointAuthority.ts'
import { certifyProvider } from '../../src/chain/certifyProvider.ts'
import { ChainInputError, ContractRefusedError } from '../../src/chain/chainErrors.ts'
import { createSalusClients } from '../../src/chain/createSalusClients.ts'
import { decertifyProvider } from '../../src/chain/decertifyProvider.ts'
import { anvilAccount, deploySalus, demoUmbralPublicKey } from '../../src/chain/deploy/deploySalus.ts'
import { spawnDevTool } from '../../src/chain/deploy/devTools.ts'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { dismissAuthority } from '../../src/chain/dismissAuthority.ts'
import { hasRegistryRole } from '../../src/chain/hasRegistryRole.ts'
import { licenceNumberHash } from '../../src/chain/licenceNumberHash.ts'
import { listApplicants } from '../../src/chain/listApplicants.ts'
import { listProviders } from '../../src/chain/listProviders.ts'
import { listRoleMembers } from '../../src/chain/listRoleMembers.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { readProvider } from '../../src/chain/readProvider.ts'
import { registerProvider } from '../../src/chain/registerProvider.ts'
import { updateProvider } from '../../src/chain/updateProvider.ts'

let anvil: ChildProcess
let config: NetworkConfig
let rpcUrl: string

beforeAll(async () => {
  const port = await freePort()
  const launched = spawnDevTool('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore' })
  anvil = launched.child
  await launched.started
  rpcUrl = `http://127.0.0.1:${port}`
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  for (let attempt = 0; ; attempt++) {
    try {
      await probe.getChainId()
      break
    } catch (error) {
      if (attempt > 100) throw error
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  config = await deploySalus({ rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
}, 120_000)

afterAll(() => {
  anvil?.kill()
})

/** A fresh account with 1 ETH for gas: nobody the seed knows. */
async function freshAccount(): Promise<{ privateKey: Hex; clients: ReturnType<typeof walletOf> }> {
  const privateKey = generatePrivateKey()
  const clients = walletOf(privateKey)
  await clients.publicClient.request({ method: 'anvil_setBalance', params: [clients.walletClient.account.address, '0xde0b6b3a7640000'] } as never)
  return { privateKey, clients }
}

const walletOf = (privateKey: Hex) => createSalusClients(config, privateKeyToAccount(privateKey))
const registryOf = () => config.contracts.Registry.address

const profileFor = (name: string, licence: string) => ({
  name,
  specialty: 'Neurology',
  licenceNumberHash: licenceNumberHash(licence),
  hospital: 'Lakeside Clinic',
  umbralPublicKey: demoUmbralPublicKey('Dr. Amara Okafor'),
  peerId: '',
  multiaddrs: [],
})

async function refusal(promise: Promise<unknown>): Promise<ContractRefusedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ContractRefusedError)
  return error as ContractRefusedError
}

describe('registry administration on a real chain', () => {
  it('a new council certifies a doctor who listed themself; decertified, the doctor leaves the directory', async () => {
    const registry = registryOf()
    const registrar = walletOf(anvilAccount(0).privateKey)
    const council = await freshAccount()
    const doctor = await freshAccount()
    const doctorAddress = doctor.clients.walletClient.account.address
    const councilAddress = council.clients.walletClient.account.address

    await appointAuthority(registrar.walletClient, { registry, role: 'medicalAuthority', account: councilAddress })
    expect(await listRoleMembers(registrar.publicClient, { registry, role: 'medicalAuthority' })).toEqual([anvilAccount(1).account.address, councilAddress])

    await registerProvider(doctor.clients.walletClient, { registry, role: 'doctor', profile: profileFor('Dr. Ines Duarte', 'GMC-7099999') })
    const directory = () => listProviders(registrar.publicClient, { registry, role: 'doctor' })
    expect((await directory()).map((d) => d.account)).not.toContain(doctorAddress)
    const applicants = await listApplicants(registrar.publicClient, { registry, role: 'doctor' })
    expect(applicants).toHaveLength(1)
    expect(applicants[0]).toMatchObject({ account: doctorAddress, name: 'Dr. Ines Duarte', active: false })
    expect(applicants[0]!.licenceNumberHash).toBe(licenceNumberHash(' GMC-7099999 '))
    expect(applicants[0]!.licenceNumberHash).not.toBe(licenceNumberHash('GMC-7099998'))

    // The applicant updates their entry while waiting: still one application.
    await updateProvider(doctor.clients.walletClient, { registry, profile: { ...profileFor('Dr. Ines Duarte', 'GMC-7099999'), hospital: 'Harbour Hospital' } })
    expect(await listApplicants(registrar.publicClient, { registry, role: 'doctor' })).toMatchObject([{ hospital: 'Harbour Hospital' }])

    // The EMS authority cannot certify a doctor; the registrar cannot either.
    const ems = walletOf(anvilAccount(5).privateKey)
    const wrong = await refusal(certifyProvider(ems.walletClient, { registry, role: 'doctor', account: doctorAddress }))
    expect(wrong.errorName).toBe('AccessControlUnauthorizedAccount')
    expect(wrong.shortMessage).toMatch(/only the matching authority certifies/)
    expect((await refusal(certifyProvider(registrar.walletClient, { registry, role: 'doctor', account: doctorAddress }))).errorName).toBe('AccessControlUnauthorizedAccount')

    await certifyProvider(council.clients.walletClient, { registry, role: 'doctor', account: doctorAddress })
    expect(await directory()).toContainEqual(expect.objectContaining({ account: doctorAddress, name: 'Dr. Ines Duarte', active: true }))
    expect(await listApplicants(registrar.publicClient, { registry, role: 'doctor' })).toEqual([])
    expect(await listRoleMembers(registrar.publicClient, { registry, role: 'doctor' })).toContain(doctorAddress)

    await decertifyProvider(council.clients.walletClient, { registry, role: 'doctor', account: doctorAddress })
    expect((await directory()).map((d) => d.account)).not.toContain(doctorAddress)
    expect(await readProvider(registrar.publicClient, { registry, account: doctorAddress })).toMatchObject({ active: false })
    expect(await hasRegistryRole(registrar.publicClient, { registry, role: 'doctor', account: doctorAddress })).toBe(false)
    expect((await directory()).map((d) => d.name)).toEqual(expect.arrayContaining(['Dr. Amara Okafor', 'Dr. Lukas Weber', 'Dr. Sofia Rossi']))

    // Dismissed, the council can certify nobody.
    await dismissAuthority(registrar.walletClient, { registry, role: 'medicalAuthority', account: councilAddress })
    expect((await refusal(certifyProvider(council.clients.walletClient, { registry, role: 'doctor', account: doctorAddress }))).errorName).toBe('AccessControlUnauthorizedAccount')
    expect(await listRoleMembers(registrar.publicClient, { registry, role: 'medicalAuthority' })).toEqual([anvilAccount(1).account.address])
  }, 60_000)

  it('only the registrar appoints or dismisses', async () => {
    const registry = registryOf()
    const council = walletOf(anvilAccount(1).privateKey)
    const stranger = await freshAccount()
    const error = await refusal(appointAuthority(council.walletClient, { registry, role: 'pharmacyAuthority', account: stranger.clients.walletClient.account.address }))
    expect(error.errorName).toBe('AccessControlUnauthorizedAccount')
    expect(error.shortMessage).toMatch(/only the registrar appoints or dismisses authorities/)
    expect((await refusal(dismissAuthority(stranger.clients.walletClient, { registry, role: 'emsAuthority', account: anvilAccount(5).account.address }))).errorName).toBe(
      'AccessControlUnauthorizedAccount',
    )
    expect(await hasRegistryRole(council.publicClient, { registry, role: 'emsAuthority', account: anvilAccount(5).account.address })).toBe(true)
  }, 60_000)

  it('the EMS authority certifies a responder without an entry and removes the seeded one', async () => {
    const registry = registryOf()
    const ems = walletOf(anvilAccount(5).privateKey)
    const responder = await freshAccount()
    const address = responder.clients.walletClient.account.address
    await certifyProvider(ems.walletClient, { registry, role: 'responder', account: address })
    expect(await listRoleMembers(ems.publicClient, { registry, role: 'responder' })).toEqual([anvilAccount(6).account.address, address])
    await decertifyProvider(ems.walletClient, { registry, role: 'responder', account: anvilAccount(6).account.address })
    expect(await listRoleMembers(ems.publicClient, { registry, role: 'responder' })).toEqual([address])
  }, 60_000)

  it('a pharmacy council, appointed by the registrar, certifies pharmacists', async () => {
    const registry = registryOf()
    const registrar = walletOf(anvilAccount(0).privateKey)
    const council = await freshAccount()
    const pharmacist = await freshAccount()
    const pharmacistAddress = pharmacist.clients.walletClient.account.address
    await appointAuthority(registrar.walletClient, { registry, role: 'pharmacyAuthority', account: council.clients.walletClient.account.address })
    await registerProvider(pharmacist.clients.walletClient, { registry, role: 'pharmacist', profile: { ...profileFor('Lena Vogel', 'GPhC-2081234'), specialty: 'Community pharmacy' } })
    expect(await listApplicants(registrar.publicClient, { registry, role: 'pharmacist' })).toMatchObject([{ account: pharmacistAddress, role: 'pharmacist' }])
    // The medical council oversees doctors, not pharmacists.
    expect((await refusal(certifyProvider(walletOf(anvilAccount(1).privateKey).walletClient, { registry, role: 'pharmacist', account: pharmacistAddress }))).errorName).toBe(
      'AccessControlUnauthorizedAccount',
    )
    await certifyProvider(council.clients.walletClient, { registry, role: 'pharmacist', account: pharmacistAddress })
    // The seeded demo pharmacist (Paula Reyes) is listed too; the one just certified joins her.
    const pharmacists = await listProviders(registrar.publicClient, { registry, role: 'pharmacist' })
    expect(pharmacists.filter((entry) => entry.account === pharmacistAddress)).toMatchObject([{ name: 'Lena Vogel', active: true }])
  }, 60_000)

  it('refuses a malformed address before sending anything', async () => {
    const registrar = walletOf(anvilAccount(0).privateKey)
    const error = await appointAuthority(registrar.walletClient, { registry: registryOf(), role: 'emsAuthority', account: '0x1234' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainInputError)
    expect((error as ChainInputError).shortMessage).toMatch(/0x followed by 40 hex digits/)
  })
})
