import { isHex, type Address, type Hex } from 'viem'
import { providerRoleName, type ProviderRoleName } from './registryRoles.ts'
import { ChainInputError } from './chainErrors.ts'

/** A directory entry as the app uses it (contracts/Registry.sol `Provider`, flattened). */
export type ProviderEntry = {
  account: Address
  role: ProviderRoleName
  /** Listed now: the account holds `role` (certified) and has not hidden the entry. False for an application. */
  active: boolean
  name: string
  specialty: string
  licenceNumberHash: Hex
  hospital: string
  /** Compressed secp256k1 Umbral public key, 33 bytes. */
  umbralPublicKey: Hex
  peerId: string
  multiaddrs: string[]
}

/** What a provider publishes: the fields of ProviderEntry they control. */
export type ProviderProfile = Omit<ProviderEntry, 'account' | 'role' | 'active'>

export type RawProvider = {
  account: Address
  role: Hex
  active: boolean
  profile: {
    name: string
    specialty: string
    licenceNumberHash: Hex
    hospital: string
    umbralPublicKey: Hex
    peerId: string
    multiaddrs: readonly string[]
  }
}

/**
 * Chain data is untrusted (the address may not be our contract): returns undefined
 * unless the entry has the shape and limits contracts/Registry.sol enforces.
 */
export function parseProviderEntry(raw: RawProvider): ProviderEntry | undefined {
  const role = providerRoleName(raw.role)
  const { profile } = raw
  const short = (text: string, max: number) => typeof text === 'string' && text.length <= max
  if (!role) return undefined
  if (!short(profile.name, 96) || profile.name.length === 0 || !short(profile.specialty, 64)) return undefined
  if (!short(profile.hospital, 128) || !short(profile.peerId, 128)) return undefined
  if (!isHex(profile.umbralPublicKey) || profile.umbralPublicKey.length !== 2 + 33 * 2) return undefined
  if (profile.multiaddrs.length > 8 || !profile.multiaddrs.every((a) => short(a, 256))) return undefined
  return {
    account: raw.account,
    role,
    active: raw.active,
    name: profile.name,
    specialty: profile.specialty,
    licenceNumberHash: profile.licenceNumberHash,
    hospital: profile.hospital,
    umbralPublicKey: profile.umbralPublicKey,
    peerId: profile.peerId,
    multiaddrs: [...profile.multiaddrs],
  }
}

const utf8Length = (text: string) => new TextEncoder().encode(text).length

/** The Registry's limits, checked before sending so the person gets a clear message and pays no gas. */
export function assertProviderProfile(profile: ProviderProfile): void {
  const limits: [keyof ProviderProfile, string, number][] = [
    ['name', 'Name', 96],
    ['specialty', 'Specialty', 64],
    ['hospital', 'Hospital', 128],
    ['peerId', 'Peer ID', 128],
  ]
  if (typeof profile.name !== 'string' || profile.name.trim().length === 0) {
    throw new ChainInputError('Enter a name for the directory entry.')
  }
  for (const [field, label, max] of limits) {
    const value = profile[field]
    if (typeof value !== 'string' || utf8Length(value) > max) {
      throw new ChainInputError(`${label} is too long: keep it under ${max} bytes.`, `${field} length`)
    }
  }
  if (!isHex(profile.licenceNumberHash, { strict: true }) || profile.licenceNumberHash.length !== 66) {
    throw new ChainInputError('The licence number hash must be 32 bytes.', 'licenceNumberHash')
  }
  const key = profile.umbralPublicKey
  if (!isHex(key, { strict: true }) || key.length !== 68 || !/^0x0[23]/.test(key)) {
    throw new ChainInputError('The re-encryption public key is not a valid compressed key (33 bytes).', 'umbralPublicKey')
  }
  if (!Array.isArray(profile.multiaddrs) || profile.multiaddrs.length > 8) {
    throw new ChainInputError('Too many network addresses: list at most 8.', 'multiaddrs')
  }
  for (const address of profile.multiaddrs) {
    if (typeof address !== 'string' || utf8Length(address) > 256) {
      throw new ChainInputError('A network address is too long: keep each under 256 bytes.', 'multiaddrs')
    }
  }
}
