// SPDX-License-Identifier: GPL-3.0-or-later
// The grant parameters a consent proof is bound to, hashed to one field element.
// The circuit takes paramsHash only as a public input, so it is keccak256 (cheap in
// the EVM), computed identically by the Consent contract (grantParamsHash there):
//   paramsHash = uint256(keccak256(abi.encode(
//     uint256 GRANT_DOMAIN, uint256 chainId, address consent, address grantee, uint32 scopesMask,
//     uint64 expiry, uint256 proxiesHash, uint8 threshold, bytes32 keccak256(binary bundle CID)))) >> 8
//   chainId      the chain the Consent contract runs on (block.chainid there)
//   consent      the Consent contract's address (address(this) there); with chainId, a proof
//                made for one deployment is refused by every other (another chain, a redeploy)
//   grantee      the doctor's address
//   scopesMask   bit i set = scopes[i] (src/core/scopes.ts) granted; non-zero
//   expiry       unix seconds
//   proxiesHash  salted commitment to the proxies, < 2^248 (src/chain/consent/proxiesCommitment.ts)
//   threshold    t of the t-of-n proxies, 1..255
// Revocation: paramsHash = uint256(keccak256(abi.encode(
//   uint256 REVOKE_DOMAIN, uint256 chainId, address consent, uint256 grantId))) >> 8.
// Reissue (a new key-fragment bundle for an active grant): paramsHash = uint256(keccak256(abi.encode(
//   uint256 REISSUE_DOMAIN, uint256 chainId, address consent, uint256 grantId, uint256 proxiesHash,
//   bytes32 keccak256(binary bundle CID)))) >> 8.
// The shift drops the low byte, Semaphore style, so the value is below the BN254 field.
import { CID } from 'multiformats/cid'
import { encodeAbiParameters, getAddress, isAddress, keccak256, type Address, type Hex } from 'viem'
import { isScope, scopes, type Scope } from '../core/scopes.ts'
import { toField } from './field.ts'
import { ProofInputError } from './zkErrors.ts'

/** ASCII 'salus.grant.v2' as a big-endian integer; Solidity: uint256(uint112(bytes14("salus.grant.v2"))). v1 was Poseidon. */
export const GRANT_DOMAIN = 0x73616c75732e6772616e742e7632n
/** ASCII 'salus.revoke.v2'; Solidity: uint256(uint120(bytes15("salus.revoke.v2"))). */
export const REVOKE_DOMAIN = 0x73616c75732e7265766f6b652e7632n

/** ASCII 'salus.reissue.v1'; Solidity: uint256(uint128(bytes16("salus.reissue.v1"))). */
export const REISSUE_DOMAIN = 0x73616c75732e726569737375652e7631n

/** The Consent deployment a proof is for: both hashes bind it, so a proof replays nowhere else. */
export type ConsentDeployment = {
  chainId: number | bigint
  /** The Consent contract's address. */
  consent: Address
}

/** What the patient grants, whichever deployment records it. */
export type GrantTerms = {
  grantee: Address
  scopesMask: number | bigint
  expiry: number | bigint
  proxiesHash: bigint
  threshold: number
  bundleCid: CID | string
}

export type GrantParams = ConsentDeployment & GrantTerms

export function addressToField(address: string): bigint {
  if (!isAddress(address, { strict: false })) throw new ProofInputError('The doctor’s address is not a valid Ethereum address.')
  return BigInt(address)
}

/** 256-bit digest to field, Semaphore style: drop the low byte so it is < r. */
export function digestToField(digest: Hex): bigint {
  return BigInt(digest) >> 8n
}

/** keccak256 of the binary CID, as a field element. */
export function cidToField(cid: CID | string): bigint {
  return digestToField(cidDigest(cid))
}

export function proxiesHash(proxies: readonly Address[]): bigint {
  for (const proxy of proxies) addressToField(proxy)
  return digestToField(keccak256(encodeAbiParameters([{ type: 'address[]' }], [proxies])))
}

export function scopesMask(granted: readonly Scope[]): number {
  let mask = 0
  for (const scope of granted) {
    if (!isScope(scope)) throw new ProofInputError(`“${String(scope)}” is not a record scope.`)
    mask |= 1 << scopes.indexOf(scope)
  }
  return mask
}

export async function grantParamsHash(params: GrantParams): Promise<bigint> {
  addressToField(params.grantee)
  const mask = toField('scopesMask', params.scopesMask, 32)
  if (mask === 0n || mask >> BigInt(scopes.length) !== 0n) {
    throw new ProofInputError('Choose at least one record scope to share.', { details: `scopesMask ${mask}` })
  }
  const threshold = toField('threshold', params.threshold, 8)
  if (threshold === 0n) throw new ProofInputError('At least one proxy must be required (threshold ≥ 1).')
  const deployment = deploymentWords(params)
  const encoded = encodeAbiParameters(grantEncoding, [
    GRANT_DOMAIN,
    ...deployment,
    getAddress(params.grantee),
    Number(mask),
    toField('expiry', params.expiry, 64),
    // The contract refuses wider commitments (Consent__InvalidProxiesHash).
    toField('proxiesHash', params.proxiesHash, 248),
    Number(threshold),
    cidDigest(params.bundleCid),
  ])
  return digestToField(keccak256(encoded))
}

export type RevokeParams = ConsentDeployment & { grantId: bigint }

export async function revokeParamsHash(params: RevokeParams): Promise<bigint> {
  const deployment = deploymentWords(params)
  const id = toField('grantId', params.grantId, 256)
  return digestToField(keccak256(encodeAbiParameters(revokeEncoding, [REVOKE_DOMAIN, ...deployment, id])))
}

export type ReissueParams = ConsentDeployment & { grantId: bigint; proxiesHash: bigint; bundleCid: CID | string }

export async function reissueParamsHash(params: ReissueParams): Promise<bigint> {
  const deployment = deploymentWords(params)
  const id = toField('grantId', params.grantId, 256)
  const proxies = toField('proxiesHash', params.proxiesHash, 248)
  return digestToField(keccak256(encodeAbiParameters(reissueEncoding, [REISSUE_DOMAIN, ...deployment, id, proxies, cidDigest(params.bundleCid)])))
}

function deploymentWords({ chainId, consent }: ConsentDeployment): [bigint, Address] {
  const id = toField('chainId', chainId, 256)
  if (id === 0n) throw new ProofInputError('The network’s chain id is missing from its configuration.', { details: 'chainId 0' })
  if (!isAddress(consent, { strict: false }) || BigInt(consent) === 0n) {
    throw new ProofInputError('The consent contract’s address in the network configuration is not valid.', { details: `consent ${String(consent)}` })
  }
  return [id, getAddress(consent)]
}

const reissueEncoding = [{ type: 'uint256' }, { type: 'uint256' }, { type: 'address' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes32' }] as const

const revokeEncoding = [{ type: 'uint256' }, { type: 'uint256' }, { type: 'address' }, { type: 'uint256' }] as const

const grantEncoding = [
  { type: 'uint256' },
  { type: 'uint256' },
  { type: 'address' },
  { type: 'address' },
  { type: 'uint32' },
  { type: 'uint64' },
  { type: 'uint256' },
  { type: 'uint8' },
  { type: 'bytes32' },
] as const

function cidDigest(cid: CID | string): Hex {
  let parsed: CID
  try {
    parsed = typeof cid === 'string' ? CID.parse(cid) : cid
  } catch (cause) {
    throw new ProofInputError('The key bundle’s content ID is not valid.', { cause })
  }
  return keccak256(parsed.bytes)
}
