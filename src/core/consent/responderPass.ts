import { bytesToHex, getAddress, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import type { Signer } from '../../crypto/umbral.ts'
import { addressPattern, bytesField, compressedKeyBytes, mapField, stringField, uintField, type Fail } from './untrustedFields.ts'

/**
 * A responder's part of a break-glass read (issue 13). The responder's wallet signs once,
 * EIP-712, that this session key reads this emergency card's grant until `expires`; every
 * capsule request and head read of the session then carries this pass and a signature by
 * the session key over the request, besides the card key's signature as grantee. The
 * session key never leaves the responder's device, so a pass seen by a proxy opens
 * nothing elsewhere; the pass names the Consent deployment, so it is good on one chain.
 */
export type ResponderPass = {
  account: Address
  /** 33-byte compressed secp256k1 key (an Umbral signer's verifying key). */
  sessionKey: Uint8Array
  /** Unix seconds. */
  expires: number
  /** 65-byte EIP-712 signature by `account` over passTypedData. */
  signature: Uint8Array
}

/** What the requests carry besides their own fields: the pass and the session key that signs them. */
export type ResponderCredential = { pass: ResponderPass; signer: Signer }

/** A pass is good for at most this long after it is made (a break-glass lasts an hour). */
export const maxResponderPassSeconds = 60 * 60
const ethSignatureBytes = 65

export type ResponderPassDeployment = { chainId: number; consent: Address }

/** The typed data a responder's wallet signs (shown by the wallet as a "Salus break-glass read"). */
export function responderPassTypedData(deployment: ResponderPassDeployment, p: { grantId: bigint; sessionKey: Uint8Array; expires: number }) {
  return {
    domain: { name: 'Salus break-glass read', version: '1', chainId: deployment.chainId, verifyingContract: deployment.consent },
    types: { BreakGlassRead: [{ name: 'grantId', type: 'uint256' }, { name: 'sessionKey', type: 'bytes' }, { name: 'expires', type: 'uint64' }] },
    primaryType: 'BreakGlassRead',
    message: { grantId: p.grantId, sessionKey: bytesToHex(p.sessionKey), expires: BigInt(p.expires) },
  } as const
}

/** The account that signed `pass` for this grant on this deployment, or undefined when it signed something else. */
export async function responderPassSigner(pass: ResponderPass, deployment: ResponderPassDeployment, grantId: bigint): Promise<Address | undefined> {
  try {
    const signer = await recoverTypedDataAddress({ ...responderPassTypedData(deployment, { grantId, sessionKey: pass.sessionKey, expires: pass.expires }), signature: bytesToHex(pass.signature) as Hex })
    return signer.toLowerCase() === pass.account.toLowerCase() ? signer : undefined
  } catch {
    return undefined
  }
}

export function encodeResponderPass(pass: ResponderPass): Record<string, unknown> {
  return { account: pass.account.toLowerCase(), sessionKey: pass.sessionKey, expires: pass.expires, signature: pass.signature }
}

export function parseResponderPass(value: unknown, what: string, fail: Fail): ResponderPass {
  const m = mapField(value, what, fail, ['account', 'sessionKey', 'expires', 'signature'])
  return {
    account: getAddress(stringField(m.account, `${what}.account`, fail, 42, addressPattern)),
    sessionKey: bytesField(m.sessionKey, `${what}.sessionKey`, fail, compressedKeyBytes),
    expires: uintField(m.expires, `${what}.expires`, fail, 2 ** 40),
    signature: bytesField(m.signature, `${what}.signature`, fail, ethSignatureBytes),
  }
}
