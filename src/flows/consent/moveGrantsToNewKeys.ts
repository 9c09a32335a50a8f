import type { Address, Hash, Hex } from 'viem'
import type { ConsentPublicClient, ConsentWalletClient } from '../../chain/consent/consentClients.ts'
import { submitRevoke } from '../../chain/consent/submitRevoke.ts'
import type { BlockAccess } from '../../core/blocks.ts'
import type { Scope } from '../../core/scopes.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { revokeParamsHash } from '../../zk/grantHash.ts'
import type { ProxyEntry } from './buildGrantBundle.ts'
import type { ConsentProver } from './consentProver.ts'
import { findPatientGrants, nextGrantIndex, type PatientGrant } from './findPatientGrants.ts'
import { prepareConsent, type PreparedConsent } from './prepareConsent.ts'

export type MoveGrantsProgress = {
  /** Grants finished so far (moved or not), of `total`. */
  done: number
  total: number
  grantee: Address
  step: 'preparing' | 'delivering' | 'revoking'
}

export type MoveGrantsToNewKeysParameters = {
  publicClient: ConsentPublicClient
  deployment: { chainId: number; consent: Address; fromBlock: bigint }
  /** The keys before the rotation: only they can prove the old grants' pseudonyms, so only they revoke them. */
  oldKeys: { identitySecret: bigint }
  /** The keys after the rotation: the new bundles, pseudonyms and proofs. */
  newKeys: { preMasterSeed: Uint8Array; identitySecret: bigint }
  /**
   * The patient's grants as findPatientGrants found them with the OLD keys, read before
   * the rotation (afterwards the app no longer recognises them). Only active ones move.
   */
  grants: readonly PatientGrant[]
  /** The vault re-sealed under the new keys: its records and scope epochs. */
  vault: { list(): readonly RecordSummary[]; currentEpoch(scope: Scope): number; epochsOf(scope: Scope): number[] }
  blocks: BlockAccess
  node: SalusNode
  careNodes: readonly string[]
  /** Care nodes from the directory, in order of preference: the new grants' proxies. */
  proxies: readonly ProxyEntry[]
  /** The grantee's published Umbral key (directory). */
  granteeKey: (grantee: Address) => Hex | undefined
  prove: ConsentProver
  /**
   * Sends each revocation: called once per old grant, so each goes out from its own
   * one-off account (consentSender), never the patient's wallet.
   */
  sender: () => Promise<ConsentWalletClient>
  /**
   * Gives a new consent to its doctor (the Sharing page's delivery: an offline doctor
   * leaves it undelivered with a retry). A throw is reported; the old grant still ends.
   */
  deliver: (moved: { from: PatientGrant; prepared: PreparedConsent }) => Promise<void>
  onProgress?: (progress: MoveGrantsProgress) => void
}

export type MoveGrantsToNewKeysReturnType = {
  /** Old grant id → the new consent made for the same doctor, scopes and expiry (the doctor accepts it to start the new grant). */
  moved: { from: bigint; grantee: Address; prepared: PreparedConsent; deliveryError?: unknown }[]
  /** Old grants for which no new consent could be made: the patient shares again with that doctor. */
  notMoved: { from: bigint; grantee: Address; error: unknown }[]
  /** Old grants revoked on chain. */
  revoked: { grantId: bigint; txHash: Hash }[]
  /** Old grants whose revocation failed (they still open what was sealed before the rotation, nothing after). */
  notRevoked: { grantId: bigint; grantee: Address; error: unknown }[]
}

/**
 * After a key rotation, moves every active grant to the new keys: for each one a new
 * consent is made with the new keys (a new bound bundle over the new scope keys, a new
 * pseudonym under the new identity, the same doctor, scopes, expiry and threshold) and
 * handed to `deliver`; then the old grant is revoked with a proof from the OLD keys, so
 * the proxies refuse it at once. The old grant ends even when no new consent could be
 * made or delivered: the old keys may be in a thief's hands, and after the rotation the
 * app no longer lists the grants they made, so this is the last chance to end them.
 * The old keys' scope epochs are not rotated (the old vault seals nothing any more) and
 * the other old grants are not reissued (each is revoked here).
 */
export async function moveGrantsToNewKeys(parameters: MoveGrantsToNewKeysParameters): Promise<MoveGrantsToNewKeysReturnType> {
  const { publicClient, deployment, oldKeys, newKeys, prove } = parameters
  const { chainId, consent } = deployment
  const active = parameters.grants.filter((grant) => grant.status === 'active')
  const total = active.length
  const result: MoveGrantsToNewKeysReturnType = { moved: [], notMoved: [], revoked: [], notRevoked: [] }
  if (total === 0) return result
  // Grants the new identity already has (a rotation on another device may have moved some): new indices go past them.
  const { grants: existing } = await findPatientGrants(publicClient, { ...deployment, identitySecret: newKeys.identitySecret })
  const inFlight = new Map<string, number>()
  let done = 0
  for (const grant of active) {
    const say = (step: MoveGrantsProgress['step']) => parameters.onProgress?.({ done, total, grantee: grant.grantee, step })
    say('preparing')
    try {
      const umbralPublicKey = parameters.granteeKey(grant.grantee)
      if (!umbralPublicKey) throw new Error(`${grant.grantee} is not in the directory`)
      const key = grant.grantee.toLowerCase()
      const pending = inFlight.get(key) ?? 0
      const prepared = await prepareConsent({
        keys: newKeys,
        vault: parameters.vault,
        blocks: parameters.blocks,
        node: parameters.node,
        careNodes: parameters.careNodes,
        deployment: { chainId, consent },
        doctor: { account: grant.grantee, umbralPublicKey },
        grantIndex: nextGrantIndex(existing, grant.grantee, pending),
        scopes: grant.scopes,
        expiry: grant.expiry,
        proxies: parameters.proxies.slice(0, Math.max(3, grant.threshold)),
        threshold: grant.threshold,
        prove,
      })
      inFlight.set(key, pending + 1)
      say('delivering')
      const moved: MoveGrantsToNewKeysReturnType['moved'][number] = { from: grant.grantId, grantee: grant.grantee, prepared }
      try {
        await parameters.deliver({ from: grant, prepared })
      } catch (error) {
        moved.deliveryError = error
      }
      result.moved.push(moved)
    } catch (error) {
      result.notMoved.push({ from: grant.grantId, grantee: grant.grantee, error })
    }
    say('revoking')
    try {
      const { proof } = await prove({
        chainId,
        consent,
        identitySecret: oldKeys.identitySecret,
        grantee: grant.grantee,
        grantIndex: grant.grantIndex,
        paramsHash: await revokeParamsHash({ chainId, consent, grantId: grant.grantId }),
      })
      const { txHash } = await submitRevoke(await parameters.sender(), { consent, grantId: grant.grantId, proof })
      result.revoked.push({ grantId: grant.grantId, txHash })
    } catch (error) {
      result.notRevoked.push({ grantId: grant.grantId, grantee: grant.grantee, error })
    }
    done++
  }
  return result
}
