// Attack: get into the doctor directory without a certification. Anyone may now write a
// directory entry (an application), so an impostor copies Dr. Amara Okafor's entry (name,
// specialty, hospital, licence hash) under their own account, hoping patients pick it and
// grant them records. They then try every way around the medical council: certifying
// themself, AccessControl's grantRole directly, appointing themself a council, asking the
// EMS authority to certify them as a doctor, listing a responder certificate under the
// doctor role, and, once decertified, showing their old entry again. They also flood the
// applications to make the directory slow to read. Real anvil, real contracts, the app's
// own chain actions; the patient's view is listProviders, what the Sharing page reads.
import type { ChildProcess } from 'node:child_process'
import { createPublicClient, http, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { writeContract } from 'viem/actions'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appointAuthority } from '../../src/chain/appointAuthority.ts'
import { certifyProvider } from '../../src/chain/certifyProvider.ts'
import { ContractRefusedError, toChainError } from '../../src/chain/chainErrors.ts'
import { createSalusClients } from '../../src/chain/createSalusClients.ts'
import { decertifyProvider } from '../../src/chain/decertifyProvider.ts'
import { anvilAccount, deploySalus, demoUmbralPublicKey } from '../../src/chain/deploy/deploySalus.ts'
import { spawnDevTool } from '../../src/chain/deploy/devTools.ts'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { Registry } from '../../src/chain/generated/Registry.ts'
import { hasRegistryRole } from '../../src/chain/hasRegistryRole.ts'
import { listProviders } from '../../src/chain/listProviders.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { readProvider } from '../../src/chain/readProvider.ts'
import { registerProvider } from '../../src/chain/registerProvider.ts'
import { registryRoles } from '../../src/chain/registryRoles.ts'
import { updateProvider } from '../../src/chain/updateProvider.ts'

let anvil: ChildProcess
let config: NetworkConfig

beforeAll(async () => {
  const port = await freePort()
  const launched = spawnDevTool('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore' })
  anvil = launched.child
  await launched.started
  const rpcUrl = `http://127.0.0.1:${port}`
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

const walletOf = (privateKey: Hex) => createSalusClients(config, privateKeyToAccount(privateKey))
async function fresh() {
  const clients = walletOf(generatePrivateKey())
  await clients.publicClient.request({ method: 'anvil_setBalance', params: [clients.walletClient.account.address, '0xde0b6b3a7640000'] } as never)
  return clients
}
async function refused(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'the attack step must be refused').toBeInstanceOf(ContractRefusedError)
  return (error as ContractRefusedError).errorName
}

/** What a patient's Sharing page lists under a name. */
async function doctorsNamed(name: string) {
  const doctors = await listProviders(createSalusClients(config).publicClient, { registry: config.contracts.Registry.address, role: 'doctor', includeInactive: true })
  return doctors.filter((doctor) => doctor.name === name)
}

describe('attack: an uncertified impostor in the doctor directory', () => {
  it('a copied entry of a real doctor stays out of the directory, whatever the impostor tries', async () => {
    const registry = config.contracts.Registry.address
    const real = anvilAccount(2).account.address
    const copied = await readProvider(createSalusClients(config).publicClient, { registry, account: real })
    expect(copied?.name).toBe('Dr. Amara Okafor')
    const { account: _a, role: _r, active: _x, ...profile } = copied!
    const impostor = await fresh()
    const address = impostor.walletClient.account.address
    await registerProvider(impostor.walletClient, { registry, role: 'doctor', profile: { ...profile, umbralPublicKey: demoUmbralPublicKey('impostor') } })

    // 1. Certify themself, or grant the role through AccessControl directly.
    expect(await refused(certifyProvider(impostor.walletClient, { registry, role: 'doctor', account: address }))).toBe('AccessControlUnauthorizedAccount')
    const grantRole = writeContract(impostor.walletClient, { address: registry, abi: Registry.abi, functionName: 'grantRole', args: [registryRoles.doctor, address] }).catch((e: unknown) => {
      throw toChainError(e, impostor.walletClient)
    })
    expect(await refused(grantRole)).toBe('AccessControlUnauthorizedAccount')
    // 2. Appoint themself a medical council.
    expect(await refused(appointAuthority(impostor.walletClient, { registry, role: 'medicalAuthority', account: address }))).toBe('AccessControlUnauthorizedAccount')
    // 3. Ask another authority (City EMS) to certify them as a doctor.
    expect(await refused(certifyProvider(walletOf(anvilAccount(5).privateKey).walletClient, { registry, role: 'doctor', account: address }))).toBe(
      'AccessControlUnauthorizedAccount',
    )
    // 4. Be certified for something (responder) while the entry says doctor.
    await certifyProvider(walletOf(anvilAccount(5).privateKey).walletClient, { registry, role: 'responder', account: address })

    expect(await hasRegistryRole(impostor.publicClient, { registry, role: 'doctor', account: address })).toBe(false)
    const listed = await doctorsNamed('Dr. Amara Okafor')
    expect(listed.map((doctor) => doctor.account)).toEqual([real])
  }, 60_000)

  it('a decertified doctor cannot show their entry again, and updating it only applies again', async () => {
    const registry = config.contracts.Registry.address
    const doctor = await fresh()
    const address = doctor.walletClient.account.address
    const profile = { name: 'Dr. Struck Off', specialty: 'Surgery', licenceNumberHash: `0x${'22'.repeat(32)}` as Hex, hospital: 'Nowhere', umbralPublicKey: demoUmbralPublicKey('struck'), peerId: '', multiaddrs: [] }
    const council = walletOf(anvilAccount(1).privateKey).walletClient
    await certifyProvider(council, { registry, role: 'doctor', account: address })
    await registerProvider(doctor.walletClient, { registry, role: 'doctor', profile })
    expect(await doctorsNamed('Dr. Struck Off')).toHaveLength(1)
    await decertifyProvider(council, { registry, role: 'doctor', account: address })

    await writeContract(doctor.walletClient, { address: registry, abi: Registry.abi, functionName: 'setProviderActive', args: [true] })
    await updateProvider(doctor.walletClient, { registry, profile: { ...profile, hospital: 'Somewhere else' } })
    expect(await doctorsNamed('Dr. Struck Off')).toEqual([])
  }, 60_000)

  it('a flood of applications does not grow the directory patients read', async () => {
    const registry = config.contracts.Registry.address
    const { publicClient } = createSalusClients(config)
    const before = await publicClient.readContract({ address: registry, abi: Registry.abi, functionName: 'directorySize' })
    for (let i = 0; i < 12; i++) {
      const spammer = await fresh()
      await registerProvider(spammer.walletClient, {
        registry,
        role: 'doctor',
        profile: { name: `Dr. Spam ${i}`, specialty: '', licenceNumberHash: `0x${'33'.repeat(32)}`, hospital: '', umbralPublicKey: demoUmbralPublicKey(`spam ${i}`), peerId: '', multiaddrs: [] },
      })
    }
    expect(await publicClient.readContract({ address: registry, abi: Registry.abi, functionName: 'directorySize' })).toBe(before)
    expect((await listProviders(publicClient, { registry, role: 'doctor' })).some((doctor) => doctor.name.startsWith('Dr. Spam'))).toBe(false)
  }, 60_000)
})
