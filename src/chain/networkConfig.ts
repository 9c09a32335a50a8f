import { getAddress, isAddress, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { SalusError } from '../errors/salusError.ts'

/** Where one contract lives; events are read from `deployBlock` on. */
export type ContractDeployment = { address: Address; deployBlock: number }

/** A demo account of the local network, offered on the sign-in screen. */
export type LocalAccount = { label: string; role: string; privateKey: Hex; address: Address }

export type CareNode = {
  peerId: string
  multiaddrs: string[]
  /** The care node's HTTP base URL for SMART Health Link files (`/shl/<id>`), when it serves them. */
  httpUrl?: string
}

/** Everything the app needs to know about a network: one JSON file, written by scripts/deploy.ts. */
export type NetworkConfig = {
  chainId: number
  chainName: string
  rpcUrl: string
  contracts: {
    Registry: ContractDeployment
    Anchors: ContractDeployment
    Consent?: ContractDeployment
    /** Groth16 verifiers of circuits/consent.circom and circuits/eligibility.circom. */
    ConsentVerifier?: ContractDeployment
    EligibilityVerifier?: ContractDeployment
    Insurance?: ContractDeployment
    Appointments?: ContractDeployment
    /** Break-glass reads of emergency cards (contracts/Emergency.sol). */
    Emergency?: ContractDeployment
    /** Dispenses and invoices of prescriptions (contracts/Pharmacy.sol). */
    Pharmacy?: ContractDeployment
  }
  /** libp2p circuit-relay multiaddrs (WebSockets), filled by the local network orchestrator. */
  relays: string[]
  careNodes: CareNode[]
  /** Only ever present when chainId is 31337 (anvil): the keys are public test keys. */
  localAccounts?: LocalAccount[]
}

export const localChainId = 31337
export const networkConfigPath = '/config/salus.config.json'

const maxConfigBytes = 256 * 1024
const maxListLength = 64
const maxStringLength = 1024
const requiredContracts = ['Registry', 'Anchors'] as const
const optionalContracts = ['Consent', 'ConsentVerifier', 'EligibilityVerifier', 'Insurance', 'Appointments', 'Emergency', 'Pharmacy'] as const

export class NetworkConfigUnavailableError extends SalusError {
  override name = 'NetworkConfigUnavailableError' as const
  constructor(url: string, cause?: unknown) {
    super(`Could not load the network configuration (${url}). Is the local network running (npm start)?`, { cause })
  }
}

export class NetworkConfigError extends SalusError {
  override name = 'NetworkConfigError' as const
  readonly field: string
  constructor(field: string, reason: string) {
    super(`The network configuration is invalid: ${field} ${reason}. Redeploy (npm start) or fix the file.`)
    this.field = field
  }
}

/** Fetches and validates the configuration the deploy script wrote next to the app. */
export async function loadNetworkConfig(fetchImpl: typeof fetch = fetch, url = networkConfigPath): Promise<NetworkConfig> {
  let text: string
  try {
    const response = await fetchImpl(url, { cache: 'no-store' })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    text = await response.text()
  } catch (error) {
    throw new NetworkConfigUnavailableError(url, error)
  }
  if (text.length > maxConfigBytes) throw new NetworkConfigError('file', `is larger than ${maxConfigBytes} bytes`)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new NetworkConfigError('file', 'is not JSON')
  }
  return parseNetworkConfig(json)
}

/** Checks every field of untrusted JSON and returns a normalised NetworkConfig. */
export function parseNetworkConfig(json: unknown): NetworkConfig {
  const root = object(json, 'config')
  const chainId = root.chainId
  if (typeof chainId !== 'number' || !Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new NetworkConfigError('chainId', 'must be a positive integer')
  }
  const contractsJson = object(root.contracts, 'contracts')
  const contracts = {} as NetworkConfig['contracts']
  for (const name of requiredContracts) contracts[name] = deployment(contractsJson[name], `contracts.${name}`)
  for (const name of optionalContracts) {
    if (contractsJson[name] !== undefined) contracts[name] = deployment(contractsJson[name], `contracts.${name}`)
  }
  const config: NetworkConfig = {
    chainId,
    chainName: string(root.chainName, 'chainName', 1, 64),
    rpcUrl: url(root.rpcUrl, 'rpcUrl', ['http:', 'https:', 'ws:', 'wss:']),
    contracts,
    relays: list(root.relays ?? [], 'relays').map((relay, i) => multiaddr(relay, `relays[${i}]`)),
    careNodes: list(root.careNodes ?? [], 'careNodes').map((node, i) => {
      const entry = object(node, `careNodes[${i}]`)
      return {
        peerId: string(entry.peerId, `careNodes[${i}].peerId`, 1, 128),
        multiaddrs: list(entry.multiaddrs, `careNodes[${i}].multiaddrs`).map((a, j) => multiaddr(a, `careNodes[${i}].multiaddrs[${j}]`)),
        ...(entry.httpUrl !== undefined ? { httpUrl: url(entry.httpUrl, `careNodes[${i}].httpUrl`, ['http:', 'https:']) } : {}),
      }
    }),
  }
  if (root.localAccounts !== undefined) {
    if (chainId !== localChainId) {
      throw new NetworkConfigError('localAccounts', `may only be present on the local chain ${localChainId}`)
    }
    config.localAccounts = list(root.localAccounts, 'localAccounts').map((entry, i) => localAccount(entry, `localAccounts[${i}]`))
  }
  return config
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new NetworkConfigError(field, 'must be an object')
  return value as Record<string, unknown>
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new NetworkConfigError(field, 'must be a list')
  if (value.length > maxListLength) throw new NetworkConfigError(field, `has more than ${maxListLength} entries`)
  return value
}

function string(value: unknown, field: string, min = 0, max = maxStringLength): string {
  if (typeof value !== 'string') throw new NetworkConfigError(field, 'must be text')
  if (value.length < min || value.length > max) throw new NetworkConfigError(field, `must be ${min}–${max} characters long`)
  return value
}

function url(value: unknown, field: string, protocols: string[]): string {
  const text = string(value, field, 1)
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch {
    throw new NetworkConfigError(field, `is not a URL (${text})`)
  }
  if (!protocols.includes(parsed.protocol)) throw new NetworkConfigError(field, `must use ${protocols.join(' or ')}`)
  return text
}

function multiaddr(value: unknown, field: string): string {
  const text = string(value, field, 2)
  if (!text.startsWith('/') || /\s/.test(text)) throw new NetworkConfigError(field, `is not a multiaddr (${text})`)
  return text
}

function address(value: unknown, field: string): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false })) throw new NetworkConfigError(field, 'is not an Ethereum address')
  return getAddress(value)
}

function deployment(value: unknown, field: string): ContractDeployment {
  const entry = object(value, field)
  const deployBlock = entry.deployBlock
  if (typeof deployBlock !== 'number' || !Number.isSafeInteger(deployBlock) || deployBlock < 0) {
    throw new NetworkConfigError(`${field}.deployBlock`, 'must be a block number')
  }
  return { address: address(entry.address, `${field}.address`), deployBlock }
}

function localAccount(value: unknown, field: string): LocalAccount {
  const entry = object(value, field)
  const privateKey = entry.privateKey
  if (typeof privateKey !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    throw new NetworkConfigError(`${field}.privateKey`, 'must be a 32-byte hex key')
  }
  const account = address(entry.address, `${field}.address`)
  if (privateKeyToAccount(privateKey as Hex).address !== account) {
    throw new NetworkConfigError(`${field}.address`, 'does not belong to its private key')
  }
  return {
    label: string(entry.label, `${field}.label`, 1, 64),
    role: string(entry.role, `${field}.role`, 0, 64),
    privateKey: privateKey as Hex,
    address: account,
  }
}
