// A real consent stack for the attack tests: anvil with every contract deployed, two
// care nodes whose proxies follow the real Consent contract, and a patient and a
// doctor as libp2p nodes. Grants and revocations carry real Groth16 proofs.
import path from 'node:path'
import * as umbral from '@nucypher/umbral-pre'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import type { CID } from 'multiformats/cid'
import type { Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { anvilAccount, deploySalus } from '../../../src/chain/deploy/deploySalus.ts'
import type { NetworkConfig } from '../../../src/chain/networkConfig.ts'
import { startCareNode, type CareNode } from '../../../src/p2p/careNode.ts'
import { chainGrantOracle } from '../../../src/p2p/chainGrantOracle.ts'
import { createBrowserNode, type SalusNode } from '../../../src/p2p/createBrowserNode.ts'
import { deriveKeys, keyDerivationTypedData, type SalusKeys } from '../../../src/core/keys/deriveKeys.ts'
import { receivingSecretKey } from '../../../src/crypto/umbral.ts'
import { consentInputs } from '../../../src/zk/consentInputs.ts'
import { proveInNode } from '../../../src/zk/proveInNode.ts'
import { toCircuitInput } from '../../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../../src/zk/toSolidityProof.ts'
import { clientsFor } from '../../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../../src/chain/deploy/startAnvil.ts'

const artifactsDir = path.resolve(import.meta.dirname, '../../../public/zk')

/** The account's keys at `keyVersion` (the app's wallet signature for that version; no passkey, as for a demo account). */
export async function keysOf(privateKey: Hex, keyVersion = 1): Promise<SalusKeys> {
  const account = privateKeyToAccount(privateKey)
  return deriveKeys(await account.signTypedData(keyDerivationTypedData(account.address, keyVersion)), { keyVersion })
}

/** A real consent proof: knowledge of identitySecret for `grantee`, bound to paramsHash. */
export async function proveConsentInNode(
  deployment: { chainId: number; consent: Address; grantIndex: number },
  identitySecret: bigint,
  grantee: Address,
  paramsHash: bigint,
): Promise<{ pseudonym: bigint; proof: bigint[] }> {
  const input = consentInputs({ ...deployment, identitySecret, grantee, paramsHash })
  const { proof, publicSignals } = await proveInNode({ circuit: 'consent', input: toCircuitInput(input), artifactsDir })
  return { pseudonym: BigInt(publicSignals[0]!), proof: [...toSolidityProof(proof).packed] }
}

export type ConsentStack = {
  anvil: Anvil
  /** What scripts/deploy.ts wrote (seeded: its localAccounts hold the local faucet, the registrar). */
  config: NetworkConfig
  chainId: number
  consent: Address
  registry: Address
  fromBlock: bigint
  cares: CareNode[]
  proxies: { address: Address; secretKey: umbral.SecretKey }[]
  /** Starts a libp2p node relayed through the care nodes. */
  node(account: Address, fill: number): Promise<SalusNode>
  clients(privateKey: Hex): ReturnType<typeof clientsFor>
  stop(): Promise<void>
}

export async function startConsentStack(): Promise<ConsentStack> {
  const anvil = await startAnvil()
  const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
  const consent = config.contracts.Consent!.address
  const registry = config.contracts.Registry.address
  const fromBlock = BigInt(config.contracts.Consent!.deployBlock)
  const { publicClient } = clientsFor(anvil.rpcUrl, anvilAccount(0).privateKey)
  const proxies = [11, 12].map((n) => ({ address: anvilAccount(n).account.address, secretKey: umbral.SecretKey.random() }))
  const cares: CareNode[] = []
  for (const proxy of proxies) {
    // With the Emergency contract, as care nodes run: break-glass reads of emergency cards are answered.
    const oracle = chainGrantOracle(publicClient, { consent, registry, fromBlock, emergency: config.contracts.Emergency!.address })
    // One re-encryption worker per care node: the pool (and its fragment cache) is what care nodes run.
    cares.push(await startCareNode({ port: 0, pin: { blockTimeoutMs: 3_000 }, reencryptThreads: 1, sharing: { proxy: { ...proxy, oracle } } }))
  }
  const nodes: SalusNode[] = []
  return {
    anvil,
    config,
    chainId: config.chainId,
    consent,
    registry,
    fromBlock,
    cares,
    proxies,
    async node(account, fill) {
      const node = await createBrowserNode({ account, peerKeySeed: new Uint8Array(32).fill(fill), relays: cares.map((c) => c.multiaddrs[0]!), blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
      nodes.push(node)
      return node
    },
    clients: (privateKey) => clientsFor(anvil.rpcUrl, privateKey),
    async stop() {
      await Promise.allSettled(nodes.map((n) => n.stop()))
      await Promise.allSettled(cares.map((c) => c.stop()))
      anvil.stop()
    },
  }
}

/** The doctor's Umbral receiving key, as their app derives it. */
export async function doctorReceivingKey(privateKey: Hex): Promise<umbral.SecretKey> {
  return receivingSecretKey((await keysOf(privateKey)).preMasterSeed)
}

export type { CID }
