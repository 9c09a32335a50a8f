// SPDX-License-Identifier: GPL-3.0-or-later
// The grant parameters a consent proof is bound to, hashed to one field element.
// Field encodings (each must be reproduced exactly by the Consent contract):
//   grantee      uint160(address)
//   scopesMask   bit i set = scopes[i] (src/core/scopes.ts) granted; uint32, non-zero
//   expiry       unix seconds, uint64
//   proxiesHash  uint256(keccak256(abi.encode(address[] proxies))) >> 8   (proxiesHash())
//   threshold    t of the t-of-n proxies, 1..255
//   bundleCid    uint256(keccak256(binary CID of the key-fragment bundle)) >> 8  (cidToField())
// paramsHash = Poseidon5(GRANT_DOMAIN, grantee, scopesMask, expiry,
//                        Poseidon3(proxiesHash, threshold, bundleCid))
// nested so that poseidon-solidity (PoseidonT6 = 5 inputs at most) can compute it.
// Revocation: paramsHash = Poseidon2(REVOKE_DOMAIN, grantId).
import { CID } from 'multiformats/cid'
import { encodeAbiParameters, isAddress, keccak256, type Address, type Hex } from 'viem'
import { isScope, scopes, type Scope } from '../core/scopes.ts'
import { toField } from './field.ts'
import { poseidon } from './poseidon.ts'
import { ProofInputError } from './zkErrors.ts'

/** ASCII 'salus.grant.v1' as a big-endian integer; Solidity: uint256(uint112(bytes14("salus.grant.v1"))). */
export const GRANT_DOMAIN = 0x73616c75732e6772616e742e7631n
/** ASCII 'salus.revoke.v1'; Solidity: uint256(uint120(bytes15("salus.revoke.v1"))). */
export const REVOKE_DOMAIN = 0x73616c75732e7265766f6b652e7631n

export type GrantParams = {
  grantee: Address
  scopesMask: number | bigint
  expiry: number | bigint
  proxiesHash: bigint
  threshold: number
  bundleCid: CID | string
}

export function addressToField(address: string): bigint {
  if (!isAddress(address, { strict: false })) throw new ProofInputError('The doctor’s address is not a valid Ethereum address.')
  return BigInt(address)
}

/** 256-bit digest to field, Semaphore style: drop the low byte so it is < r. */
export function digestToField(digest: Hex): bigint {
  return BigInt(digest) >> 8n
}

export function cidToField(cid: CID | string): bigint {
  let parsed: CID
  try {
    parsed = typeof cid === 'string' ? CID.parse(cid) : cid
  } catch (cause) {
    throw new ProofInputError('The key bundle’s content ID is not valid.', { cause })
  }
  return digestToField(keccak256(parsed.bytes))
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
  const mask = toField('scopesMask', params.scopesMask, 32)
  if (mask === 0n || mask >> BigInt(scopes.length) !== 0n) {
    throw new ProofInputError('Choose at least one record scope to share.', { details: `scopesMask ${mask}` })
  }
  const threshold = toField('threshold', params.threshold, 8)
  if (threshold === 0n) throw new ProofInputError('At least one proxy must be required (threshold ≥ 1).')
  const inner = await poseidon([toField('proxiesHash', params.proxiesHash), threshold, cidToField(params.bundleCid)])
  return poseidon([GRANT_DOMAIN, addressToField(params.grantee), mask, toField('expiry', params.expiry, 64), inner])
}

export async function revokeParamsHash({ grantId }: { grantId: bigint }): Promise<bigint> {
  return poseidon([REVOKE_DOMAIN, toField('grantId', grantId)])
}
