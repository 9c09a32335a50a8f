// Shared by the consent and privacy integration tests: a real anvil, the real
// deployment, and real consent proofs made the way the patient's app makes them.
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import path from 'node:path'
import { CID } from 'multiformats/cid'
import * as dagCbor from '@ipld/dag-cbor'
import { sha256 } from 'multiformats/hashes/sha2'
import { bytesToHex, createPublicClient, createWalletClient, http, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { proxiesCommitment } from '../../src/chain/consent/proxiesCommitment.ts'
import { deriveKeys, keyDerivationTypedData } from '../../src/core/keys/deriveKeys.ts'
import { consentInputs } from '../../src/zk/consentInputs.ts'
import { grantParamsHash, revokeParamsHash } from '../../src/zk/grantHash.ts'
import { proveInNode } from '../../src/zk/proveInNode.ts'
import { toCircuitInput } from '../../src/zk/proveWithArtifacts.ts'
import { toSolidityProof } from '../../src/zk/toSolidityProof.ts'
import { spawnDevTool } from '../../scripts/support/devTools.ts'

const root = path.resolve(import.meta.dirname, '../..')

export type Anvil = { rpcUrl: string; stop(): void }

export async function startAnvil(): Promise<Anvil> {
  const port = await new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
  const launched = spawnDevTool('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore', detached: true })
  const child: ChildProcess = launched.child
  await launched.started
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  const rpcUrl = `http://127.0.0.1:${port}`
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await probe.getChainId()
      return { rpcUrl, stop }
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  stop()
  throw new Error('anvil did not start')
}

export function clientsFor(rpcUrl: string, privateKey: Hex) {
  const account = privateKeyToAccount(privateKey)
  const chain = { ...foundry, rpcUrls: { default: { http: [rpcUrl] } } }
  return {
    account,
    publicClient: createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 50 }),
    walletClient: createWalletClient({ chain, account, transport: http(rpcUrl), pollingInterval: 50 }),
  }
}

/** The patient's identitySecret, derived from their wallet's signature as the app does. */
export async function identitySecretOf(privateKey: Hex): Promise<bigint> {
  const account = privateKeyToAccount(privateKey)
  return deriveKeys(await account.signTypedData(keyDerivationTypedData(account.address))).identitySecret
}

export async function randomCid(): Promise<CID> {
  return CID.create(1, dagCbor.code, await sha256.digest(randomBytes(64)))
}

export type PreparedGrant = {
  /** The grant's terms and the deployment its proof is bound to (submitGrant reads only the terms). */
  params: { chainId: number; consent: Address; grantee: Address; scopesMask: number; expiry: bigint; proxiesHash: bigint; threshold: number; bundleCid: CID }
  pseudonym: bigint
  proof: bigint[]
}

/** What the patient's browser sends the doctor: fresh salt and bundle, a real proof. */
export async function prepareGrant(options: {
  /** The Consent contract the proof is for; chainId defaults to anvil's. */
  consent: Address
  chainId?: number
  identitySecret: bigint
  grantee: Address
  scopesMask: number
  expiry: bigint
  proxies: Address[]
  threshold: number
  /** Which of this patient's grants to this grantee (the pseudonym's index); 0 by default. */
  grantIndex?: number
}): Promise<PreparedGrant> {
  const salt = bytesToHex(randomBytes(32))
  const params = {
    chainId: options.chainId ?? foundry.id,
    consent: options.consent,
    grantee: options.grantee,
    scopesMask: options.scopesMask,
    expiry: options.expiry,
    proxiesHash: proxiesCommitment({ proxies: options.proxies, salt }),
    threshold: options.threshold,
    bundleCid: await randomCid(),
  }
  const paramsHash = await grantParamsHash(params)
  const input = consentInputs({ chainId: params.chainId, consent: options.consent, grantIndex: options.grantIndex ?? 0, identitySecret: options.identitySecret, grantee: options.grantee, paramsHash })
  const { proof, publicSignals } = await proveInNode({ circuit: 'consent', input: toCircuitInput(input), artifactsDir: path.join(root, 'public/zk') })
  return { params, pseudonym: BigInt(publicSignals[0]!), proof: [...toSolidityProof(proof).packed] }
}

export async function prepareRevoke(options: { consent: Address; chainId?: number; identitySecret: bigint; grantee: Address; grantId: bigint; grantIndex?: number }): Promise<bigint[]> {
  const paramsHash = await revokeParamsHash({ chainId: options.chainId ?? foundry.id, consent: options.consent, grantId: options.grantId })
  const input = consentInputs({ chainId: options.chainId ?? foundry.id, consent: options.consent, grantIndex: options.grantIndex ?? 0, identitySecret: options.identitySecret, grantee: options.grantee, paramsHash })
  const { proof } = await proveInNode({ circuit: 'consent', input: toCircuitInput(input), artifactsDir: path.join(root, 'public/zk') })
  return [...toSolidityProof(proof).packed]
}
