/**
 * Deploys every Salus contract (Registry, Anchors, ConsentVerifier + Consent,
 * EligibilityVerifier + SparsePoseidonT3 + Insurance + Appointments, Emergency, Pharmacy) to any EVM chain and returns the app's
 * NetworkConfig. With `seed` on a local anvil it also appoints the demo authorities
 * and lists three doctors, using anvil's public test mnemonic; each doctor's Umbral
 * key is the one their own app derives from their wallet signature.
 *
 * Node only (the trusted-setup check reads the circuit keys from disk); never imported by the app.
 * The command line is scripts/deploy.ts; tests, benchmarks and ./localNetwork.ts call this.
 *
 * Outside a local chain (31337, 1337) it deploys only circuit keys from a real ceremony:
 * `trustedSetup` names the ceremony record, checked against the keys and verifiers
 * (./trustedSetup.ts, circuits/README.md).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import {
  bytesToHex,
  createPublicClient,
  custom,
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
import { deployContract, getChainId, readContract, sendTransaction, waitForTransactionReceipt } from 'viem/actions'
import { ChainUnreachableError } from '../chainErrors.ts'
import { deployConsent } from '../consent/deployConsent.ts'
import { Anchors } from '../generated/Anchors.ts'
import { EligibilityVerifier } from '../generated/EligibilityVerifier.ts'
import { Emergency } from '../generated/Emergency.ts'
import { Registry } from '../generated/Registry.ts'
import { grantRegistryRole } from '../grantRegistryRole.ts'
import { hasRegistryRole } from '../hasRegistryRole.ts'
import { deployPayments } from '../insurance/deployPayments.ts'
import { deployPharmacy } from '../pharmacy/deployPharmacy.ts'
import { localChainId, parseNetworkConfig, type LocalAccount, type NetworkConfig } from '../networkConfig.ts'
import { registerProvider } from '../registerProvider.ts'
import { licenceNumberHash } from '../licenceNumberHash.ts'
import type { RegistryRoleName } from '../registryRoles.ts'
import { salusChain } from '../salusChain.ts'
import { updateProvider } from '../updateProvider.ts'
import { deriveKeys, keyDerivationTypedData } from '../../core/keys/deriveKeys.ts'
import { labelledSecretKey, receivingSecretKey } from '../../crypto/umbral.ts'
import { checkTrustedSetup } from './trustedSetup.ts'

export const anvilMnemonic = 'test test test test test test test test test test test junk'

export type DeploySalusParameters = {
  rpcUrl: string
  privateKey: Hex
  /** Seed demo roles and directory entries (anvil only). */
  seed?: boolean
  chainName?: string
  /** The ceremony record the circuit keys come from (needed on any chain but a local one). */
  trustedSetup?: string
  /** Where the circuit keys and their manifest are (public/zk). */
  zkDir?: string
}

type DemoAccount = {
  index: number
  label: string
  role: string
  grants: { role: Exclude<RegistryRoleName, 'registrar'>; by: number }[]
  doctor?: { specialty: string; hospital: string; licence: string }
  /** A certified pharmacist listed in the directory (issue 12). */
  pharmacist?: { pharmacy: string; licence: string }
}

/**
 * Anvil mnemonic accounts: 0 registrar, 1 medical authority, 2-4 doctors, 5-6 EMS, 7 insurer,
 * 8-9 patients, 10-14 funded newcomers with no role (to appoint as an authority or to list
 * themselves and be certified from the app), 15 pharmacy council, 16 pharmacist (issue 12).
 */
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
  { index: 10, label: 'Newcomer Nia', role: 'no role yet', grants: [] },
  { index: 11, label: 'Newcomer Omar', role: 'no role yet', grants: [] },
  { index: 12, label: 'Newcomer Pia', role: 'no role yet', grants: [] },
  // The care loop's end-to-end test appoints Quinn as a council that certifies Rosa as a doctor.
  { index: 13, label: 'Newcomer Quinn', role: 'no role yet', grants: [] },
  { index: 14, label: 'Newcomer Rosa', role: 'no role yet', grants: [] },
  // Prescriptions (issue 12): the council certifies the pharmacist, who is listed so patients can send prescriptions.
  { index: 15, label: 'Pharmacy Council', role: 'pharmacy authority', grants: [{ role: 'pharmacyAuthority', by: 0 }] },
  {
    index: 16, label: 'Pharmacist Paula Reyes, Riverside Pharmacy', role: 'pharmacist', grants: [{ role: 'pharmacist', by: 15 }],
    pharmacist: { pharmacy: 'Riverside Pharmacy', licence: 'GPhC-2098765' },
  },
]

/** Anvil funds its first ten accounts; the seed gives the accounts beyond them (10-16) this much for gas. */
const newcomerFunds = 100n * 10n ** 18n

/** The demo accounts' keys; public knowledge (anvil's mnemonic), so only ever for chain 31337. */
export function anvilAccount(index: number): { account: Account; privateKey: Hex } {
  const account = mnemonicToAccount(anvilMnemonic, { addressIndex: index })
  const privateKey = account.getHdKey().privateKey
  if (!privateKey) throw new Error(`no private key for anvil account ${index}`)
  return { account, privateKey: bytesToHex(privateKey) }
}

/**
 * The Umbral receiving public key an account's own app derives: its wallet signs
 * keyDerivationTypedData, deriveKeys gives the PRE master seed, receivingSecretKey the key.
 */
export async function receivingPublicKeyOf(privateKey: Hex): Promise<Hex> {
  const account = privateKeyToAccount(privateKey)
  const { preMasterSeed } = deriveKeys(await account.signTypedData(keyDerivationTypedData(account.address)))
  const secretKey = receivingSecretKey(preMasterSeed)
  const publicKey = secretKey.publicKey()
  try {
    return bytesToHex(publicKey.toCompressedBytes())
  } finally {
    publicKey.free()
    secretKey.free()
  }
}

// Computed once at load, so demoUmbralPublicKey stays synchronous for its callers.
const demoDoctorKeys = new Map<string, Hex>(
  await Promise.all(
    demoAccounts.filter((demo) => demo.doctor || demo.pharmacist).map(async (demo) => [demo.label, await receivingPublicKeyOf(anvilAccount(demo.index).privateKey)] as const),
  ),
)

/**
 * The Umbral key the seed lists for a demo doctor or pharmacist (`label`): the receiving key that
 * account's app derives, so grants (and prescriptions) sealed to it can be opened. Any other label gets a
 * deterministic stand-in key (tests that need some valid key).
 */
export function demoUmbralPublicKey(label: string): Hex {
  const derived = demoDoctorKeys.get(label)
  if (derived) return derived
  const secretKey = labelledSecretKey(sha256(new TextEncoder().encode('salus/demo-directory/v1')), `provider/${label}`)
  const publicKey = secretKey.publicKey()
  try {
    return bytesToHex(publicKey.toCompressedBytes())
  } finally {
    publicKey.free()
    secretKey.free()
  }
}

export async function deploySalus({ rpcUrl, privateKey, seed = false, chainName, trustedSetup, zkDir }: DeploySalusParameters): Promise<NetworkConfig> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  let chainId: number
  try {
    chainId = await getChainId(probe)
  } catch (error) {
    throw new ChainUnreachableError(rpcUrl, error)
  }
  if (seed && chainId !== localChainId) throw new Error(`--seed uses anvil's public test keys: only for chain ${localChainId}, not ${chainId}`)
  // Before any transaction: development keys on a public chain would let anyone forge proofs.
  await checkTrustedSetup({ chainId, ceremony: trustedSetup, zkDir })
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
  const { consent, consentVerifier } = await deployConsent(deployer)
  const eligibilityVerifier = await deploy(EligibilityVerifier, [])
  const payments = await deployPayments(deployer, { registry: registry.address, eligibilityVerifier: eligibilityVerifier.address })
  const emergency = await deploy(Emergency, [registry.address, consent.address])
  // By the deployer of Insurance, which binds Pharmacy as the only claimant of prescription cover.
  const { pharmacy } = await deployPharmacy(deployer, { registry: registry.address, insurance: payments.insurance.address })
  const asDeployment = ({ address, deployBlock }: { address: Address; deployBlock: bigint }) => ({ address, deployBlock: Number(deployBlock) })

  const config: NetworkConfig = {
    chainId,
    chainName: chain.name,
    rpcUrl,
    contracts: {
      Registry: registry,
      Anchors: anchors,
      Consent: consent,
      ConsentVerifier: consentVerifier,
      EligibilityVerifier: eligibilityVerifier,
      Insurance: asDeployment(payments.insurance),
      Appointments: asDeployment(payments.appointments),
      Emergency: emergency,
      Pharmacy: asDeployment(pharmacy),
    },
    relays: [],
    careNodes: [],
  }
  if (seed) config.localAccounts = await seedDemo(registry.address, walletFor)
  return parseNetworkConfig(config) // what we write must pass the app's own checks
}

async function seedDemo(registry: Address, walletFor: (account: Account) => Parameters<typeof grantRegistryRole>[0]): Promise<LocalAccount[]> {
  const wallets = demoAccounts.map((demo) => walletFor(anvilAccount(demo.index).account))
  // Funded first: the pharmacy council (15) pays gas to certify its pharmacist.
  for (const demo of demoAccounts.filter((candidate) => candidate.index >= 10)) {
    const hash = await sendTransaction(wallets[0]!, { to: wallets[demo.index]!.account.address, value: newcomerFunds, chain: wallets[0]!.chain })
    await waitForTransactionReceipt(wallets[0]!, { hash })
  }
  // Authorities first (granted by the registrar), then the accounts they certify.
  const grants = demoAccounts.flatMap((demo) => demo.grants.map((grant) => ({ ...grant, account: wallets[demo.index]!.account.address })))
  const isAuthority = (role: string) => role.endsWith('Authority')
  for (const grant of [...grants.filter((g) => isAuthority(g.role)), ...grants.filter((g) => !isAuthority(g.role))]) {
    await grantRegistryRole(wallets[grant.by]!, { registry, role: grant.role, account: grant.account })
  }
  for (const demo of demoAccounts) {
    const listing = demo.doctor
      ? { role: 'doctor' as const, ...demo.doctor }
      : demo.pharmacist
        ? { role: 'pharmacist' as const, specialty: 'Community pharmacy', hospital: demo.pharmacist.pharmacy, licence: demo.pharmacist.licence }
        : undefined
    if (!listing) continue
    await registerProvider(wallets[demo.index]!, {
      registry,
      role: listing.role,
      profile: {
        name: demo.label,
        specialty: listing.specialty,
        licenceNumberHash: licenceNumberHash(listing.licence),
        hospital: listing.hospital,
        // The key the doctor's own app derives, so patients' grants to them can be opened.
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

export type RegisterCareNodeParameters = {
  rpcUrl: string
  /** Key of an account holding CARE_NODE_AUTHORITY (the seeded registrar has it). */
  registrarKey: Hex
  registry: Address
  careNode: {
    address: Address
    /** Compressed secp256k1 Umbral public key (33 bytes): the proxy's re-encryption key. */
    umbralPublicKey: Hex
    peerId: string
    multiaddrs: string[]
    name: string
    /** The care node's own key; without it the local chain (anvil only) impersonates the address. */
    privateKey?: Hex
  }
}

/**
 * Certifies a care node (CARE_NODE role) and lists it in the directory, or updates
 * its entry when it is already listed (a restarted node with new addresses).
 */
export async function registerCareNode({ rpcUrl, registrarKey, registry, careNode }: RegisterCareNodeParameters): Promise<void> {
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  let chainId: number
  try {
    chainId = await getChainId(probe)
  } catch (error) {
    throw new ChainUnreachableError(rpcUrl, error)
  }
  const chain = salusChain({ chainId, chainName: `Chain ${chainId}`, rpcUrl })
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), pollingInterval: 100 })
  const authority = createWalletClient({ chain, account: privateKeyToAccount(registrarKey), transport: http(rpcUrl), pollingInterval: 100 })
  if (!(await hasRegistryRole(publicClient, { registry, role: 'careNode', account: careNode.address }))) {
    await grantRegistryRole(authority, { registry, role: 'careNode', account: careNode.address })
  }
  let node: Parameters<typeof registerProvider>[0]
  if (careNode.privateKey) {
    if (privateKeyToAccount(careNode.privateKey).address !== careNode.address) throw new Error('careNode.privateKey does not belong to careNode.address')
    node = createWalletClient({ chain, account: privateKeyToAccount(careNode.privateKey), transport: http(rpcUrl), pollingInterval: 100 })
  } else {
    if (chainId !== localChainId) throw new Error(`registerCareNode needs careNode.privateKey outside the local chain ${localChainId}`)
    const rpc = (method: string, params: unknown[]) => publicClient.request({ method, params } as never)
    await rpc('anvil_impersonateAccount', [careNode.address])
    await rpc('anvil_setBalance', [careNode.address, '0xde0b6b3a7640000']) // 1 ETH for gas
    node = createWalletClient({ chain, account: careNode.address, transport: custom({ request: ({ method, params }) => rpc(method, params) }), pollingInterval: 100 })
  }
  const profile = {
    name: careNode.name,
    specialty: 'Care node',
    licenceNumberHash: keccak256(stringToHex(`care-node/${careNode.address}`)),
    hospital: '',
    umbralPublicKey: careNode.umbralPublicKey,
    peerId: careNode.peerId,
    multiaddrs: careNode.multiaddrs,
  }
  const listed = await readContract(publicClient, { address: registry, abi: Registry.abi, functionName: 'directorySize' }).then(async (size) => {
    for (let i = 0n; i < size; i++) {
      const entry = await readContract(publicClient, { address: registry, abi: Registry.abi, functionName: 'providerAt', args: [i] })
      if (entry.account.toLowerCase() === careNode.address.toLowerCase()) return true
    }
    return false
  })
  if (listed) await updateProvider(node, { registry, profile })
  else await registerProvider(node, { registry, role: 'careNode', profile })
}
