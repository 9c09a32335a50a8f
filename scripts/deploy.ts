/**
 * Deploys Registry and Anchors to any EVM chain and returns (or writes) the app's
 * NetworkConfig. With --seed on a local anvil it also appoints the demo authorities
 * and lists three doctors, using anvil's public test mnemonic.
 *
 *   npx tsx scripts/deploy.ts --rpc http://127.0.0.1:8545 --key 0x… [--seed] [--out public/config/salus.config.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SecretKeyFactory } from '@nucypher/umbral-pre'
import { sha256 } from '@noble/hashes/sha2.js'
import {
  bytesToHex,
  createPublicClient,
  createWalletClient,
  http,
  keccak256,
  stringToHex,
  type Abi,
  type Account,
  type Address,
  type Hex,
  type PublicClient,
} from 'viem'
import { mnemonicToAccount, privateKeyToAccount } from 'viem/accounts'
import { deployContract, getChainId, waitForTransactionReceipt } from 'viem/actions'
import { ChainUnreachableError } from '../src/chain/chainErrors.ts'
import { Anchors } from '../src/chain/generated/Anchors.ts'
import { Registry } from '../src/chain/generated/Registry.ts'
import { grantRegistryRole } from '../src/chain/grantRegistryRole.ts'
import { localChainId, parseNetworkConfig, type LocalAccount, type NetworkConfig } from '../src/chain/networkConfig.ts'
import { registerProvider } from '../src/chain/registerProvider.ts'
import type { RegistryRoleName } from '../src/chain/registryRoles.ts'
import { salusChain } from '../src/chain/salusChain.ts'

export const anvilMnemonic = 'test test test test test test test test test test test junk'

export type DeploySalusParameters = {
  rpcUrl: string
  privateKey: Hex
  /** Seed demo roles and directory entries (anvil only). */
  seed?: boolean
  chainName?: string
}

type DemoAccount = {
  index: number
  label: string
  role: string
  grants: { role: Exclude<RegistryRoleName, 'registrar'>; by: number }[]
  doctor?: { specialty: string; hospital: string; licence: string }
}

/** Anvil mnemonic accounts: 0 registrar, 1 medical authority, 2-4 doctors, 5-6 EMS, 7 insurer, 8-9 patients. */
export const demoAccounts: DemoAccount[] = [
  { index: 0, label: 'Registrar', role: 'registrar', grants: [{ role: 'careNodeAuthority', by: 0 }] },
  { index: 1, label: 'Medical Council', role: 'medical authority', grants: [{ role: 'medicalAuthority', by: 0 }] },
  {
    index: 2, label: 'Dr. Amara Okafor', role: 'doctor', grants: [{ role: 'doctor', by: 1 }],
    doctor: { specialty: 'Cardiology', hospital: "St Mary's Hospital", licence: 'GMC-7012345' },
  },
  {
    index: 3, label: 'Dr. Lukas Weber', role: 'doctor', grants: [{ role: 'doctor', by: 1 }],
    doctor: { specialty: 'General practice', hospital: 'Riverside Health Centre', licence: 'GMC-7023456' },
  },
  {
    index: 4, label: 'Dr. Sofia Rossi', role: 'doctor', grants: [{ role: 'doctor', by: 1 }],
    doctor: { specialty: 'Dermatology', hospital: "St Mary's Hospital", licence: 'GMC-7034567' },
  },
  { index: 5, label: 'City EMS', role: 'EMS authority', grants: [{ role: 'emsAuthority', by: 0 }] },
  { index: 6, label: 'Paramedic Jonas Berg', role: 'responder', grants: [{ role: 'responder', by: 5 }] },
  {
    index: 7, label: 'Meridian Health Insurance', role: 'insurer',
    grants: [{ role: 'insuranceAuthority', by: 0 }, { role: 'insurer', by: 7 }],
  },
  { index: 8, label: 'Alice', role: 'patient', grants: [] },
  { index: 9, label: 'Bob', role: 'patient', grants: [] },
]

/** The demo accounts' keys; public knowledge (anvil's mnemonic), so only ever for chain 31337. */
export function anvilAccount(index: number): { account: Account; privateKey: Hex } {
  const account = mnemonicToAccount(anvilMnemonic, { addressIndex: index })
  const privateKey = account.getHdKey().privateKey
  if (!privateKey) throw new Error(`no private key for anvil account ${index}`)
  return { account, privateKey: bytesToHex(privateKey) }
}

/**
 * A deterministic Umbral key per demo doctor, so the directory is the same on every
 * start. The doctor's app should publish its own derived key with updateProvider.
 */
export function demoUmbralPublicKey(label: string): Hex {
  const factory = SecretKeyFactory.fromSecureRandomness(sha256(new TextEncoder().encode('salus/demo-directory/v1')))
  const secretKey = factory.makeKey(new TextEncoder().encode(`provider/${label}`))
  const publicKey = secretKey.publicKey()
  try {
    return bytesToHex(publicKey.toCompressedBytes())
  } finally {
    publicKey.free()
    secretKey.free()
    factory.free()
  }
}

export async function deploySalus({ rpcUrl, privateKey, seed = false, chainName }: DeploySalusParameters): Promise<NetworkConfig> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  let chainId: number
  try {
    chainId = await getChainId(probe)
  } catch (error) {
    throw new ChainUnreachableError(rpcUrl, error)
  }
  if (seed && chainId !== localChainId) throw new Error(`--seed uses anvil's public test keys: only for chain ${localChainId}, not ${chainId}`)
  const chain = salusChain({ chainId, chainName: chainName ?? (chainId === localChainId ? 'Anvil (local)' : `Chain ${chainId}`), rpcUrl })
  const pollingInterval = chainId === localChainId ? 100 : 4_000
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval }) as PublicClient
  const walletFor = (account: Account) => createWalletClient({ chain, account, transport: http(rpcUrl), pollingInterval })
  const deployer = walletFor(privateKeyToAccount(privateKey))

  const deploy = async (artifact: { abi: Abi; bytecode: Hex }, args: readonly unknown[]) => {
    const hash = await deployContract(deployer, { abi: artifact.abi, bytecode: artifact.bytecode, args } as never)
    const receipt = await waitForTransactionReceipt(publicClient, { hash })
    if (receipt.status !== 'success' || !receipt.contractAddress) throw new Error(`deployment transaction ${hash} failed`)
    return { address: receipt.contractAddress, deployBlock: Number(receipt.blockNumber) }
  }
  const registrar: Address = seed ? anvilAccount(0).account.address : deployer.account.address
  const registry = await deploy(Registry, [registrar])
  const anchors = await deploy(Anchors, [])

  const config: NetworkConfig = {
    chainId,
    chainName: chain.name,
    rpcUrl,
    contracts: { Registry: registry, Anchors: anchors },
    relays: [],
    careNodes: [],
  }
  if (seed) config.localAccounts = await seedDemo(registry.address, walletFor)
  return parseNetworkConfig(config) // what we write must pass the app's own checks
}

async function seedDemo(registry: Address, walletFor: (account: Account) => Parameters<typeof grantRegistryRole>[0]): Promise<LocalAccount[]> {
  const wallets = demoAccounts.map((demo) => walletFor(anvilAccount(demo.index).account))
  // Authorities first (granted by the registrar), then the accounts they certify.
  const grants = demoAccounts.flatMap((demo) => demo.grants.map((grant) => ({ ...grant, account: wallets[demo.index]!.account.address })))
  const isAuthority = (role: string) => role.endsWith('Authority')
  for (const grant of [...grants.filter((g) => isAuthority(g.role)), ...grants.filter((g) => !isAuthority(g.role))]) {
    await grantRegistryRole(wallets[grant.by]!, { registry, role: grant.role, account: grant.account })
  }
  for (const demo of demoAccounts) {
    if (!demo.doctor) continue
    await registerProvider(wallets[demo.index]!, {
      registry,
      role: 'doctor',
      profile: {
        name: demo.label,
        specialty: demo.doctor.specialty,
        licenceNumberHash: keccak256(stringToHex(demo.doctor.licence)),
        hospital: demo.doctor.hospital,
        umbralPublicKey: demoUmbralPublicKey(demo.label),
        peerId: '',
        multiaddrs: [],
      },
    })
  }
  return demoAccounts.map((demo) => {
    const { account, privateKey } = anvilAccount(demo.index)
    return { label: demo.label, role: demo.role, privateKey, address: account.address }
  })
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name)
  return index === -1 ? undefined : process.argv[index + 1]
}

async function main(): Promise<void> {
  const rpcUrl = argument('--rpc') ?? 'http://127.0.0.1:8545'
  const seed = process.argv.includes('--seed')
  const privateKey = (argument('--key') ?? (seed ? anvilAccount(0).privateKey : undefined)) as Hex | undefined
  if (!privateKey || !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) throw new Error('usage: deploy.ts --rpc URL --key 0x<32-byte hex> [--seed] [--out FILE]')
  const out = argument('--out') ?? 'public/config/salus.config.json'
  const config = await deploySalus({ rpcUrl, privateKey, seed })
  mkdirSync(path.dirname(out), { recursive: true })
  writeFileSync(out, JSON.stringify(config, null, 2) + '\n')
  console.log(`Registry ${config.contracts.Registry.address}, Anchors ${config.contracts.Anchors.address} on chain ${config.chainId}; wrote ${out}`)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error && 'shortMessage' in error ? error.shortMessage : error)
    process.exitCode = 1
  })
}
