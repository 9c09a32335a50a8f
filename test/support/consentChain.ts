// Shared by the consent integration and attack tests: clients on a local chain (src/chain/deploy/startAnvil.ts), the real
// deployment, and real consent proofs made the way the patient's app makes them.
import { randomBytes } from 'node:crypto'
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

const root = path.resolve(import.meta.dirname, '../..')

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
