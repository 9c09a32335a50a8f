// The proxies follow the real Consent contract: a grant submitted with a real proof,
// refused before the doctor logs a session, served after, refused at once on revoke.
import path from 'node:path'
import * as umbral from '@nucypher/umbral-pre'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { bytesToHex, createPublicClient, custom, http, numberToHex, type Address, type EIP1193RequestFn } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { logAccess } from '../../src/chain/consent/logAccess.ts'
import { proxiesCommitment } from '../../src/chain/consent/proxiesCommitment.ts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { submitRevoke } from '../../src/chain/consent/submitRevoke.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { buildKeyFragmentBundle, type KeyFragmentBundle } from '../../src/core/consent/keyFragmentBundle.ts'
import { sealRecord } from '../../src/core/envelope/sealRecord.ts'
import { deriveKeys, keyDerivationTypedData } from '../../src/core/keys/deriveKeys.ts'
import { openSharedRecord } from '../../src/core/share/openSharedRecord.ts'
import { receivingSecretKey, recordSigner } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { chainGrantOracle } from '../../src/p2p/chainGrantOracle.ts'
import { getGrantEvents } from '../../src/chain/consent/getGrantEvents.ts'
import { followGrants } from '../../src/p2p/followGrants.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../src/p2p/networkBlockAccess.ts'
import { proxyFragmentSource } from '../../src/p2p/proxyFragmentSource.ts'
import { requestPin } from '../../src/p2p/requestPin.ts'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { grantParamsHash, revokeParamsHash, scopesMask } from '../../src/zk/grantHash.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'
import { consentPseudonym } from '../../src/zk/consentPseudonym.ts'
import { clientsFor } from '../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'

const artifactsDir = path.resolve(import.meta.dirname, '../../public/zk')

async function keysOf(privateKey: `0x${string}`) {
  const account = privateKeyToAccount(privateKey)
  return deriveKeys(await account.signTypedData(keyDerivationTypedData(account.address)))
}

async function prove(consent: Address, identitySecret: bigint, grantee: Address, paramsHash: bigint) {
  const input = consentInputs({ chainId: 31337, consent, grantIndex: 0, identitySecret, grantee, paramsHash })
  const { proof, publicSignals } = await proveInNode({ circuit: 'consent', input: toCircuitInput(input), artifactsDir })
  return { pseudonym: BigInt(publicSignals[0]!), proof: [...toSolidityProof(proof).packed] }
}

describe('proxies reading grants from the real Consent contract', () => {
  let anvil: Anvil
  const cares: CareNode[] = []
  let patient: SalusNode
  let doctorNode: SalusNode
  let consent: Address
  let registry: Address
  let bundleCid: string
  let grantId: bigint
  let bundle: KeyFragmentBundle
  let recordCid: import('multiformats/cid').CID
  const doctor = anvilAccount(2)
  let doctorKey: umbral.SecretKey
  let patientSecret: bigint

  beforeAll(async () => {
    anvil = await startAnvil()
    const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
    consent = config.contracts.Consent!.address
    registry = config.contracts.Registry.address
    const { publicClient } = clientsFor(anvil.rpcUrl, anvilAccount(0).privateKey)
    const proxyKeys = [umbral.SecretKey.random(), umbral.SecretKey.random()]
    const proxyAddresses = [anvilAccount(11).account.address, anvilAccount(12).account.address]
    for (let i = 0; i < 2; i++) {
      const oracle = chainGrantOracle(publicClient, { consent, registry: config.contracts.Registry.address, fromBlock: BigInt(config.contracts.Consent!.deployBlock) })
      cares.push(await startCareNode({ port: 0, pin: { blockTimeoutMs: 3_000 }, sharing: { proxy: { address: proxyAddresses[i]!, secretKey: proxyKeys[i]!, oracle } } }))
    }

    const patientKeys = await keysOf(anvilAccount(8).privateKey)
    patientSecret = patientKeys.identitySecret
    doctorKey = receivingSecretKey((await keysOf(doctor.privateKey)).preMasterSeed)
    const relays = cares.map((c) => c.multiaddrs[0]!)
    const node = (fill: number, account: string) =>
      createBrowserNode({ account, peerKeySeed: new Uint8Array(32).fill(fill), relays, blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    patient = await node(4, anvilAccount(8).account.address)
    doctorNode = await node(5, doctor.account.address)

    const salt = crypto.getRandomValues(new Uint8Array(32))
    const expiry = Math.floor(Date.now() / 1000) + 86_400
    const built = await buildKeyFragmentBundle({
      preMasterSeed: patientKeys.preMasterSeed,
      author: recordSigner(patientKeys.preMasterSeed).verifyingKey,
      // Bound to the grant the patient is about to prove: only their pseudonym for this doctor opens it.
      binding: { chainId: 31337, consent, pseudonym: await consentPseudonym({ chainId: 31337, consent, identitySecret: patientSecret, grantee: doctor.account.address, grantIndex: 0 }), expiry },
      grantee: doctor.account.address,
      receivingPublicKey: doctorKey.publicKey(),
      scopes: ['medications'],
      epochs: { medications: 0 },
      proxies: proxyKeys.map((key, i) => ({ address: proxyAddresses[i]!, umbralPublicKey: key.publicKey().toCompressedBytes() })),
      threshold: 2,
      salt,
    })
    bundle = built.bundle
    bundleCid = built.cid.toString()
    const patientBlocks = blockAccess({ blockstore: patient.blockstore })
    await patientBlocks.put(built.bytes, 'dag-cbor')
    recordCid = (
      await sealRecord(patientBlocks, {
        resource: { resourceType: 'MedicationStatement', status: 'active', medication: { concept: { text: 'Metformin 500 mg' } }, subject: { reference: 'Patient/p' } },
        scope: 'medications',
        epoch: 0,
        scopePublicKey: scopeSecretKey(patientKeys.preMasterSeed, 'medications', 0).publicKey(),
        author: recordSigner(patientKeys.preMasterSeed),
      })
    ).cid
    for (const care of cares) await requestPin(patient, { careNode: care.multiaddrs[0]!, cids: [built.cid, recordCid], timeoutMs: 20_000, identitySeed: patientKeys.preMasterSeed })

    const params = {
      grantee: doctor.account.address,
      scopesMask: scopesMask(['medications']),
      expiry: BigInt(expiry),
      proxiesHash: proxiesCommitment({ proxies: proxyAddresses, salt: bytesToHex(bundle.salt) }),
      threshold: 2,
      bundleCid: built.cid,
    }
    const { pseudonym, proof } = await prove(consent, patientSecret, doctor.account.address, await grantParamsHash({ ...params, chainId: 31337, consent }))
    grantId = (await submitGrant(clientsFor(anvil.rpcUrl, doctor.privateKey).walletClient, { consent, params, pseudonym, proof })).grantId
    // The patient's tab closes: everything comes from the care nodes from here on.
    await patient.stop()
  })

  afterAll(async () => {
    await Promise.allSettled([patient, doctorNode].filter(Boolean).map((n) => n.stop()))
    await Promise.allSettled(cares.map((c) => c.stop()))
    anvil?.stop()
  })

  const open = () =>
    openSharedRecord(networkBlockAccess(doctorNode, { timeoutMs: 10_000 }), {
      cid: recordCid,
      access: {
        bundle,
        receivingSecretKey: doctorKey,
        sources: cares.map((care) => proxyFragmentSource(doctorNode, { proxy: care.multiaddrs[0]!, grantId, signer: new umbral.Signer(doctorKey) })),
      },
    })

  it('follows grant events: the bundle is fetched before the first request', async () => {
    const oracle = chainGrantOracle(clientsFor(anvil.rpcUrl, anvilAccount(0).privateKey).publicClient, { consent, registry, fromBlock: 0n })
    const prefetched: bigint[] = []
    const stop = followGrants({ oracle, service: { prefetch: async (id) => void prefetched.push(id), forget: () => {} }, intervalMs: 50 })
    await expect.poll(() => prefetched, { timeout: 10_000 }).toContain(grantId)
    stop()
    // Events are a cache, the chain is the truth: the bundle CID it serves matches the on-chain hash.
    expect((await oracle.grant(grantId))?.bundleCid).toBe(bundleCid)
    expect(await oracle.grant(999n)).toBeUndefined()
    expect(await oracle.lastSession(grantId, 'medications')).toBe(0)
  })

  it('a grant() that joins a sync begun before the grant was mined syncs again, so a fresh grant is served at once', async () => {
    const { events } = await getGrantEvents(clientsFor(anvil.rpcUrl, anvilAccount(0).privateKey).publicClient, { consent, fromBlock: 0n })
    const grantBlock = events.find((event) => event.type === 'GrantCreated' && event.grantId === grantId)!.blockNumber
    // An RPC whose first head is one block before the grant, and whose first log query is
    // held: a sync in flight that began before the grant existed.
    const upstream = createPublicClient({ transport: http(anvil.rpcUrl) })
    let heads = 0
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let logQueries = 0
    let callsAnswered = 0
    const request = (async ({ method, params }: { method: string; params?: unknown }) => {
      if (method === 'eth_blockNumber' && heads++ === 0) return numberToHex(grantBlock - 1n)
      if (method === 'eth_getLogs' && logQueries++ === 0) await held
      const answer = await upstream.request({ method, params } as never)
      if (method === 'eth_call') callsAnswered++
      return answer
    }) as EIP1193RequestFn
    const client = createPublicClient({ transport: custom({ request }) })
    const oracle = chainGrantOracle(client, { consent, registry, fromBlock: 0n })

    const early = oracle.sync()
    await expect.poll(() => logQueries).toBe(1)
    const callsBefore = callsAnswered
    const granted = oracle.grant(grantId)
    // grant() reads the grant (one eth_call) and, in the microtasks that follow its answer,
    // joins the sync in flight: wait for the answer and one turn of the event loop, then
    // let that sync finish.
    await expect.poll(() => callsAnswered).toBeGreaterThan(callsBefore)
    await new Promise((resolve) => setImmediate(resolve))
    release()
    expect((await early).created).not.toContain(grantId)
    expect((await granted)?.bundleCid).toBe(bundleCid)
    expect(heads).toBeGreaterThanOrEqual(2)
    // A grant id the chain does not know is answered without syncing forever.
    expect(await oracle.grant(999n)).toBeUndefined()
  })

  it('refuses before a session is logged, opens after, refuses at once after revocation', async () => {
    await expect(open()).rejects.toMatchObject({ name: 'SharedAccessError', code: 'no-session' })

    await logAccess(clientsFor(anvil.rpcUrl, doctor.privateKey).walletClient, { consent, grantId, scopesMask: scopesMask(['medications']) })
    const opened = await open()
    expect(opened.resource).toMatchObject({ medication: { concept: { text: 'Metformin 500 mg' } } })

    const { proof } = await prove(consent, patientSecret, doctor.account.address, await revokeParamsHash({ chainId: 31337, consent, grantId }))
    // Anyone may carry the revocation: here an unrelated account, so the patient's wallet stays off chain.
    await submitRevoke(clientsFor(anvil.rpcUrl, anvilAccount(6).privateKey).walletClient, { consent, grantId, proof })
    await expect(open()).rejects.toMatchObject({ name: 'SharedAccessError', code: 'revoked' })
  })
})
