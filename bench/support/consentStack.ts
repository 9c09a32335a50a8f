// The consent stack of the consent benchmarks: a seeded local chain
// (src/chain/deploy/startLocalChain.ts), two care nodes whose proxies follow the real
// Consent contract, and a patient who grants and revokes through the app's own flows
// (src/flows/consent) with real Groth16 proofs made in Node. Benchmarks import src/ and
// bench/support only (the attack tests keep their own stack in test/attacks/support).
import path from 'node:path'
import * as umbral from '@nucypher/umbral-pre'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { bytesToHex, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { anvilAccount } from '../../src/chain/deploy/deploySalus.ts'
import { startLocalChain, type LocalChain } from '../../src/chain/deploy/startLocalChain.ts'
import { blockAccess } from '../../src/core/blocks.ts'
import { deriveKeys, keyDerivationTypedData, type SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import type { Scope } from '../../src/core/scopes.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { receivingSecretKey } from '../../src/crypto/umbral.ts'
import type { ConsentProver } from '../../src/flows/consent/consentProver.ts'
import { findPatientGrants, nextGrantIndex } from '../../src/flows/consent/findPatientGrants.ts'
import { prepareConsent } from '../../src/flows/consent/prepareConsent.ts'
import { publishScopeManifests } from '../../src/flows/consent/publishScopeManifests.ts'
import { revokeGrant, type RevokeGrantReturnType } from '../../src/flows/consent/revokeGrant.ts'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import { chainGrantOracle } from '../../src/p2p/chainGrantOracle.ts'
import { createBrowserNode, type SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'

const artifactsDir = path.resolve(import.meta.dirname, '../../public/zk')

export async function keysOf(privateKey: Hex): Promise<SalusKeys> {
  const account = privateKeyToAccount(privateKey)
  return deriveKeys(await account.signTypedData(keyDerivationTypedData(account.address)))
}

/** The doctor's Umbral receiving key, as their app derives it. */
export async function doctorReceivingKey(privateKey: Hex): Promise<umbral.SecretKey> {
  return receivingSecretKey((await keysOf(privateKey)).preMasterSeed)
}

const nodeProver: ConsentProver = async ({ identitySecret, grantee, paramsHash, chainId, consent, grantIndex }) => {
  const input = consentInputs({ chainId: Number(chainId), consent, grantIndex, identitySecret, grantee, paramsHash })
  const { proof, publicSignals } = await proveInNode({ circuit: 'consent', input: toCircuitInput(input), artifactsDir })
  return { pseudonym: BigInt(publicSignals[0]!), proof: [...toSolidityProof(proof).packed] }
}

export type ConsentStack = {
  chain: LocalChain
  consent: Address
  fromBlock: bigint
  cares: CareNode[]
  proxies: { address: Address; secretKey: umbral.SecretKey }[]
  stop(): Promise<void>
}

export async function startConsentStack(): Promise<ConsentStack> {
  const chain = await startLocalChain()
  const consent = chain.config.contracts.Consent!.address
  const registry = chain.config.contracts.Registry.address
  const fromBlock = BigInt(chain.config.contracts.Consent!.deployBlock)
  const proxies = [11, 12].map((n) => ({ address: anvilAccount(n).account.address, secretKey: umbral.SecretKey.random() }))
  const cares: CareNode[] = []
  try {
    for (const proxy of proxies) {
      const oracle = chainGrantOracle(chain.publicClient, { consent, registry, fromBlock })
      cares.push(await startCareNode({ port: 0, pin: { blockTimeoutMs: 3_000 }, reencryptThreads: 0, sharing: { proxy: { ...proxy, oracle } } }))
    }
  } catch (error) {
    await Promise.allSettled(cares.map((c) => c.stop()))
    await chain.stop()
    throw error
  }
  return {
    chain,
    consent,
    fromBlock,
    cares,
    proxies,
    async stop() {
      await Promise.allSettled(cares.map((c) => c.stop()))
      await chain.stop()
    },
  }
}

export type BenchPatient = {
  keys: SalusKeys
  node: SalusNode
  vault: Vault
  addRecord(text: string): Promise<void>
  /** A grant prepared by the app's flow and submitted by the grantee; its gas and sealed bundle. */
  grant(o: { grantee: Address; receivingKey: umbral.PublicKey; scopes: Scope[]; days: number }): Promise<{ grantId: bigint; gasUsed: bigint; bundleBytes: Uint8Array }>
  revoke(grantId: bigint): Promise<RevokeGrantReturnType>
  stop(): Promise<void>
}

/** The index of anvil's demo account `address` (grantees submit from their own account). */
function demoIndex(address: Address): number {
  for (let i = 0; i < 20; i++) if (anvilAccount(i).account.address.toLowerCase() === address.toLowerCase()) return i
  throw new Error(`no demo key for ${address}`)
}

/** The patient `privateKey` with a vault and a libp2p node relayed through the care nodes. */
export async function benchPatient(stack: ConsentStack, privateKey: Hex): Promise<BenchPatient> {
  const keys = await keysOf(privateKey)
  const account = privateKeyToAccount(privateKey).address
  const careNodes = stack.cares.map((care) => care.multiaddrs[0]!)
  const node: SalusNode = await createBrowserNode({ account, peerKeySeed: new Uint8Array(32).fill(4), relays: careNodes, blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
  const blocks = blockAccess({ blockstore: node.blockstore })
  const vault = await Vault.open({ keys, blocks, index: memoryRecordIndex() })
  const proxies = stack.proxies.map((p) => ({ account: p.address, umbralPublicKey: bytesToHex(p.secretKey.publicKey().toCompressedBytes()) }))
  const granteeKeys = new Map<string, Hex>()
  const deployment = { chainId: stack.chain.chainId, consent: stack.consent }
  const myGrants = async () => (await findPatientGrants(stack.chain.publicClient, { ...deployment, fromBlock: stack.fromBlock, identitySecret: keys.identitySecret })).grants
  return {
    keys,
    node,
    vault,
    async addRecord(text) {
      await vault.addRecord({ resource: { resourceType: 'AllergyIntolerance', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] }, code: { text }, patient: { reference: 'Patient/p' } }, source: 'form' })
      await publishScopeManifests({ node, blocks, preMasterSeed: keys.preMasterSeed, records: vault.list(), scopes: ['allergies'], epochOf: (s) => vault.currentEpoch(s), careNodes, required: 2 })
    },
    async grant({ grantee, receivingKey, scopes, days }) {
      const umbralPublicKey = bytesToHex(receivingKey.toCompressedBytes())
      granteeKeys.set(grantee.toLowerCase(), umbralPublicKey)
      const prepared = await prepareConsent({
        grantIndex: nextGrantIndex(await myGrants(), grantee),
        keys,
        vault,
        blocks,
        node,
        careNodes,
        deployment,
        doctor: { account: grantee, umbralPublicKey },
        scopes,
        expiry: Math.floor(Date.now() / 1000) + days * 86_400,
        proxies,
        threshold: 2,
        prove: nodeProver,
      })
      const params = { ...prepared.grant, expiry: BigInt(prepared.grant.expiry) }
      const sender = stack.chain.wallet(demoIndex(grantee))
      const { grantId, gasUsed } = await submitGrant(sender, { consent: stack.consent, params, pseudonym: prepared.pseudonym, proof: [...prepared.proof] })
      return { grantId, gasUsed, bundleBytes: await blocks.get(prepared.bundleCid) }
    },
    async revoke(grantId) {
      const grant = (await myGrants()).find((g) => g.grantId === grantId)
      if (!grant) throw new Error(`grant ${grantId} is not the patient's`)
      return revokeGrant({
        publicClient: stack.chain.publicClient,
        // An unrelated account carries the revocation: the patient's wallet stays off chain.
        sender: stack.chain.wallet(6),
        deployment: { ...deployment, fromBlock: stack.fromBlock },
        keys,
        vault,
        blocks,
        node,
        careNodes,
        grant,
        proxies,
        granteeKey: (address) => granteeKeys.get(address.toLowerCase()),
        prove: nodeProver,
      })
    },
    async stop() {
      await node.stop()
    },
  }
}
