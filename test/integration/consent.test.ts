import { keccak256 } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getGrantEvents } from '../../src/chain/consent/getGrantEvents.ts'
import { grantIdOf } from '../../src/chain/consent/grantIdOf.ts'
import { isGrantActive } from '../../src/chain/consent/isGrantActive.ts'
import { logAccess } from '../../src/chain/consent/logAccess.ts'
import { readGrant } from '../../src/chain/consent/readGrant.ts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { submitRevoke } from '../../src/chain/consent/submitRevoke.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { listProviders } from '../../src/chain/listProviders.ts'
import { Consent } from '../../src/chain/generated/Consent.ts'
import { grantParamsHash, revokeParamsHash, reissueParamsHash } from '../../src/zk/grantHash.ts'
import { anvilAccount, deploySalus, demoUmbralPublicKey, receivingPublicKeyOf, registerCareNode } from '../../src/chain/deploy/deploySalus.ts'
import { clientsFor, identitySecretOf, prepareGrant, prepareRevoke, randomCid, type PreparedGrant } from '../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'
import { ChainInputError, ContractRefusedError } from '../../src/chain/chainErrors.ts'

let anvil: Anvil
let config: NetworkConfig
let consent: `0x${string}`
const doctor = () => clientsFor(anvil.rpcUrl, anvilAccount(2).privateKey)
const stranger = () => clientsFor(anvil.rpcUrl, anvilAccount(6).privateKey)
const proxies = [anvilAccount(7).account.address, anvilAccount(5).account.address]
let patientSecret: bigint
let otherPatientSecret: bigint
let prepared: PreparedGrant
let grantId: bigint

async function expectRefusal(promise: Promise<unknown>, errorName: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(ContractRefusedError)
  expect((error as ContractRefusedError).errorName).toBe(errorName)
}

beforeAll(async () => {
  anvil = await startAnvil()
  config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  consent = config.contracts.Consent!.address
  patientSecret = await identitySecretOf(anvilAccount(8).privateKey)
  otherPatientSecret = await identitySecretOf(anvilAccount(9).privateKey)
  prepared = await prepareGrant({
    consent,
    identitySecret: patientSecret,
    grantee: doctor().account.address,
    scopesMask: 0b110,
    expiry: BigInt(Math.floor(Date.now() / 1000) + 30 * 86_400),
    proxies,
    threshold: 2,
  })
})

afterAll(() => anvil?.stop())

describe('Consent on a real chain with real proofs', () => {
  it('deploys every contract into the network config', () => {
    for (const name of ['Consent', 'ConsentVerifier', 'EligibilityVerifier', 'Insurance', 'Appointments'] as const) {
      expect(config.contracts[name]?.address, name).toMatch(/^0x[0-9a-fA-F]{40}$/)
    }
  })

  it('lists each demo doctor with the receiving key their own app derives', async () => {
    const doctors = await listProviders(doctor().publicClient, { registry: config.contracts.Registry.address, role: 'doctor' })
    expect(doctors[0]?.umbralPublicKey).toBe(await receivingPublicKeyOf(anvilAccount(2).privateKey))
    expect(doctors[0]?.umbralPublicKey).toBe(demoUmbralPublicKey('Dr. Amara Okafor'))
  })

  it('certifies and lists a care node, and updates it when registered again', async () => {
    const careNode = {
      address: '0x00000000000000000000000000000000000ca4e1' as const,
      umbralPublicKey: demoUmbralPublicKey('care-1'),
      peerId: '12D3KooWTestCareNode',
      multiaddrs: ['/ip4/127.0.0.1/tcp/9101/ws'],
      name: 'Care node 1',
    }
    const registry = config.contracts.Registry.address
    await registerCareNode({ rpcUrl: anvil.rpcUrl, registrarKey: anvilAccount(0).privateKey, registry, careNode })
    await registerCareNode({ rpcUrl: anvil.rpcUrl, registrarKey: anvilAccount(0).privateKey, registry, careNode: { ...careNode, multiaddrs: ['/ip4/127.0.0.1/tcp/9201/ws'] } })
    const nodes = await listProviders(doctor().publicClient, { registry, role: 'careNode' })
    expect(nodes).toHaveLength(1)
    expect(nodes[0]).toMatchObject({ name: 'Care node 1', peerId: careNode.peerId, multiaddrs: ['/ip4/127.0.0.1/tcp/9201/ws'] })
  })

  it('refuses to send a consent from an account other than its doctor', async () => {
    await expect(submitGrant(stranger().walletClient, { consent, ...prepared })).rejects.toBeInstanceOf(ChainInputError)
  })

  it('records the grant the doctor submits', async () => {
    const { walletClient, publicClient } = doctor()
    const result = await submitGrant(walletClient, { consent, ...prepared })
    grantId = result.grantId
    expect(grantId).toBe(1n)
    const stored = await readGrant(publicClient, { consent, grantId, sessionScope: 1 })
    expect(stored).toMatchObject({
      grantee: walletClient.account.address,
      pseudonym: prepared.pseudonym,
      scopesMask: 0b110,
      expiry: Number(prepared.params.expiry),
      threshold: 2,
      revoked: false,
      lastSession: 0,
    })
    expect(await isGrantActive(publicClient, { consent, grantId })).toBe(true)
    // Only the params hash is stored: it finds the grant from exactly its parameters.
    expect(await grantIdOf(publicClient, { consent, params: prepared.params })).toBe(grantId)
    expect(await grantIdOf(publicClient, { consent, params: { ...prepared.params, bundleCid: await randomCid() } })).toBe(0n)
    expect(await grantIdOf(publicClient, { consent, params: { ...prepared.params, proxiesHash: prepared.params.proxiesHash + 1n } })).toBe(0n)
  })

  it('hashes grant and revocation parameters exactly as TypeScript does', async () => {
    const { publicClient } = doctor()
    const { grantee, scopesMask, expiry, proxiesHash, threshold } = prepared.params
    const bundleCidHash = keccak256(prepared.params.bundleCid.bytes)
    const onChain = await publicClient.readContract({ address: consent, abi: Consent.abi, functionName: 'grantParamsHash', args: [grantee, scopesMask, expiry, proxiesHash, threshold, bundleCidHash] })
    expect(onChain).toBe(await grantParamsHash(prepared.params))
    for (const id of [1n, 2n ** 200n + 7n]) {
      expect(await publicClient.readContract({ address: consent, abi: Consent.abi, functionName: 'revokeParamsHash', args: [id] })).toBe(await revokeParamsHash({ chainId: 31337, consent, grantId: id }))
      expect(await publicClient.readContract({ address: consent, abi: Consent.abi, functionName: 'reissueParamsHash', args: [id, proxiesHash, bundleCidHash] })).toBe(
        await reissueParamsHash({ chainId: 31337, consent, grantId: id, proxiesHash, bundleCid: prepared.params.bundleCid }),
      )
    }
  })

  it('rejects the same consent a second time', async () => {
    await expectRefusal(submitGrant(doctor().walletClient, { consent, ...prepared }), 'Consent__ProofReplayed')
  })

  it('logs access sessions for the doctor only, within the granted scopes', async () => {
    const { walletClient, publicClient } = doctor()
    const session = await logAccess(walletClient, { consent, grantId, scopesMask: 0b100 })
    expect(session.sessionId).toBe(1n)
    // Sessions are per scope: scope 2 (the one logged) has it, scope 1 (granted, not logged) does not.
    expect((await readGrant(publicClient, { consent, grantId, sessionScope: 2 })).lastSession).toBe(session.timestamp)
    expect((await readGrant(publicClient, { consent, grantId, sessionScope: 1 })).lastSession).toBe(0)
    expect((await readGrant(publicClient, { consent, grantId })).lastSession).toBeUndefined()
    await expectRefusal(logAccess(walletClient, { consent, grantId, scopesMask: 0b1000 }), 'Consent__ScopeNotGranted')
    await expectRefusal(logAccess(stranger().walletClient, { consent, grantId, scopesMask: 0b100 }), 'Consent__NotGrantee')
  })

  it('lists grant and session events from the deploy block, with the bundle CID', async () => {
    const { publicClient } = doctor()
    const { events } = await getGrantEvents(publicClient, { consent, fromBlock: BigInt(config.contracts.Consent!.deployBlock) })
    expect(events.map((e) => e.type)).toEqual(['GrantCreated', 'AccessLogged'])
    const created = events[0]!
    expect(created.type === 'GrantCreated' && created.bundleCid?.equals(prepared.params.bundleCid)).toBe(true)
    expect(created).toMatchObject({ grantId, proxiesHash: prepared.params.proxiesHash, threshold: 2, scopesMask: 0b110 })
    const mine = await getGrantEvents(publicClient, { consent, fromBlock: 0n, grantee: anvilAccount(3).account.address })
    expect(mine.events).toEqual([])
  })

  it('lets a third account revoke with the patient’s proof, and not with another patient’s', async () => {
    const { walletClient, publicClient } = stranger()
    const grantee = doctor().account.address
    const wrong = await prepareRevoke({ consent, identitySecret: otherPatientSecret, grantee, grantId })
    await expectRefusal(submitRevoke(walletClient, { consent, grantId, proof: wrong }), 'Consent__InvalidProof')
    expect(await isGrantActive(publicClient, { consent, grantId })).toBe(true)

    const right = await prepareRevoke({ consent, identitySecret: patientSecret, grantee, grantId })
    await submitRevoke(walletClient, { consent, grantId, proof: right })
    expect(await isGrantActive(publicClient, { consent, grantId })).toBe(false)
    expect((await readGrant(publicClient, { consent, grantId })).revoked).toBe(true)
    await expectRefusal(submitRevoke(walletClient, { consent, grantId, proof: right }), 'Consent__AlreadyRevoked')
    await expectRefusal(logAccess(doctor().walletClient, { consent, grantId, scopesMask: 0b10 }), 'Consent__GrantRevoked')
    const { events } = await getGrantEvents(publicClient, { consent, fromBlock: 0n })
    expect(events.at(-1)).toMatchObject({ type: 'GrantRevoked', grantId })
  })
})
