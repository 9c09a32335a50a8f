import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem'
import type { CID } from 'multiformats/cid'
import { proxiesCommitment } from '../../chain/consent/proxiesCommitment.ts'
import type { BlockAccess } from '../../core/blocks.ts'
import { buildKeyFragmentBundle, type KeyFragmentBundle } from '../../core/consent/keyFragmentBundle.ts'
import type { Scope } from '../../core/scopes.ts'
import { grantMailboxKey, mailboxAddress } from '../../core/careLoop/mailboxKeys.ts'
import { recordSigner } from '../../crypto/umbral.ts'
import { consentPseudonym } from '../../zk/consentPseudonym.ts'
import { TooFewProxiesError } from './flowErrors.ts'

/** A care node as the directory lists it: its account (named in bundles) and Umbral key. */
export type ProxyEntry = { account: Address; umbralPublicKey: Hex }

export type BuildGrantBundleParameters = {
  preMasterSeed: Uint8Array
  identitySecret: bigint
  blocks: BlockAccess
  deployment: { chainId: number; consent: Address }
  grantee: { account: Address; umbralPublicKey: Hex }
  /** Which of the patient's grants to this grantee (findPatientGrants, nextGrantIndex). */
  grantIndex: number
  scopes: readonly Scope[]
  /** Per scope, the epochs to give fragments for (vault.epochsOf). */
  epochsOf: (scope: Scope) => number[]
  /** Unix seconds. */
  expiry: number
  proxies: readonly ProxyEntry[]
  threshold: number
  /** The patient's libp2p peer id, for the doctor's online delivery (write-backs); the mailbox address is always carried. */
  patientPeerId?: string
}

export type GrantBundle = { bundleCid: CID; bundle: KeyFragmentBundle; proxiesHash: bigint; pseudonym: bigint }

/**
 * A grant's key-fragment bundle, bound to the grant it is for (chain, Consent contract,
 * the patient's pseudonym for this grantee, scopes, expiry, threshold, proxies), stored
 * in the patient's blockstore. Fresh salt and grant key every time.
 */
export async function buildGrantBundle(parameters: BuildGrantBundleParameters): Promise<GrantBundle> {
  const { preMasterSeed, identitySecret, blocks, deployment, grantee, grantIndex, scopes, epochsOf, expiry, proxies, threshold } = parameters
  if (proxies.length < threshold) throw new TooFewProxiesError(threshold, proxies.length)
  const salt = crypto.getRandomValues(new Uint8Array(32))
  const pseudonym = await consentPseudonym({ ...deployment, identitySecret, grantee: grantee.account, grantIndex })
  const author = recordSigner(preMasterSeed)
  // The patient's mailbox for this grant (write-backs while they are offline), sealed to the grantee.
  const mailboxKey = grantMailboxKey(preMasterSeed, { ...deployment, grantee: grantee.account, grantIndex })
  const contact = { mailbox: mailboxAddress(mailboxKey), ...(parameters.patientPeerId ? { peerId: parameters.patientPeerId } : {}) }
  mailboxKey.free()
  try {
    const built = await buildKeyFragmentBundle({
      preMasterSeed,
      author: author.verifyingKey,
      grantee: grantee.account,
      receivingPublicKey: hexToBytes(grantee.umbralPublicKey),
      scopes: [...scopes],
      epochs: Object.fromEntries(scopes.map((scope) => [scope, epochsOf(scope)])),
      proxies: proxies.map((proxy) => ({ address: proxy.account, umbralPublicKey: hexToBytes(proxy.umbralPublicKey) })),
      threshold,
      salt,
      binding: { chainId: deployment.chainId, consent: deployment.consent, pseudonym, expiry },
      contact,
    })
    const bundleCid = await blocks.put(built.bytes, 'dag-cbor')
    const proxiesHash = proxiesCommitment({ proxies: proxies.map((proxy) => proxy.account), salt: bytesToHex(salt) })
    return { bundleCid, bundle: built.bundle, proxiesHash, pseudonym }
  } finally {
    author.signer.free()
    author.verifyingKey.free()
  }
}
