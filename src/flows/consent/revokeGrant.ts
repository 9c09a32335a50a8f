import type { Address, Hash, Hex } from 'viem'
import type { CID } from 'multiformats/cid'
import { submitReissue } from '../../chain/consent/submitReissue.ts'
import { submitRevoke } from '../../chain/consent/submitRevoke.ts'
import type { BlockAccess } from '../../core/blocks.ts'
import { scopeEpochs } from '../../core/consent/scopeEpochs.ts'
import type { Scope } from '../../core/scopes.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { reissueParamsHash, revokeParamsHash } from '../../zk/grantHash.ts'
import { buildGrantBundle, type GrantBundle, type ProxyEntry } from './buildGrantBundle.ts'
import type { ConsentProver } from './consentProver.ts'
import { findPatientGrants, type PatientGrant } from './findPatientGrants.ts'
import { silentProgress, type FlowProgress } from './flowProgress.ts'
import { proofStageLabel } from './proofStageLabel.ts'
import { publishScopeManifests } from './publishScopeManifests.ts'
import type { ConsentPublicClient, ConsentWalletClient } from '../../chain/consent/consentClients.ts'

export type RevokeGrantParameters = {
  publicClient: ConsentPublicClient
  /**
   * Sends the revocation and the reissues: a one-off account, a care node or the
   * grantee, never the patient's wallet (the proofs carry the patient's authority).
   * A function is called once per transaction: the revocation and each reissue then
   * go out from different one-off accounts, so one sender does not tie the revoked
   * grant to the patient's other grants.
   */
  sender: ConsentWalletClient | (() => Promise<ConsentWalletClient>)
  deployment: { chainId: number; consent: Address; fromBlock: bigint }
  keys: { preMasterSeed: Uint8Array; identitySecret: bigint }
  vault: {
    list(): readonly RecordSummary[]
    currentEpoch(scope: Scope): number
    epochsOf(scope: Scope): number[]
    setScopeEpochs(epochs: Partial<Record<Scope, number>>): void
  }
  blocks: BlockAccess
  node: SalusNode
  careNodes: readonly string[]
  grant: PatientGrant
  /** Care nodes from the directory, in order of preference: the reissued bundles' proxies. */
  proxies: readonly ProxyEntry[]
  /** The grantee's published Umbral key (directory), for reissued bundles. */
  granteeKey: (grantee: Address) => Hex | undefined
  prove: ConsentProver
  /** Steps: 0 revocation proof, 1 revocation on chain, 2 new keys for the other doctors, 3 copies on the care nodes. */
  progress?: FlowProgress
}

export type RevokeGrantReturnType = {
  txHash: Hash
  /** Scopes moved to a new key epoch. */
  rotated: Scope[]
  /** Other active grants given fragments for the new epochs. */
  reissued: bigint[]
  /** Grants that could not be reissued, and why (they keep the old epochs until the next try). */
  notReissued: { grantId: bigint; error: unknown }[]
}

/**
 * Revokes a grant so that it is final: the proxies refuse it at once (they read the
 * chain before every re-encryption), and every scope it covered moves to a new key
 * epoch, so records added afterwards are sealed to keys its fragments cannot open,
 * even with colluding proxies. The patient's other active grants on those scopes are
 * reissued with fragments for the new epoch (and the old ones, so they keep reading
 * what they could), so nothing changes for them.
 */
export async function revokeGrant(parameters: RevokeGrantParameters): Promise<RevokeGrantReturnType> {
  const { publicClient, deployment, keys, vault, grant, prove } = parameters
  const { sender } = parameters
  const senderFor = typeof sender === 'function' ? sender : async () => sender
  const progress = parameters.progress ?? silentProgress
  const { chainId, consent } = deployment

  progress.begin(0)
  const { proof } = await prove({
    chainId,
    consent,
    identitySecret: keys.identitySecret,
    grantee: grant.grantee,
    grantIndex: grant.grantIndex,
    paramsHash: await revokeParamsHash({ chainId, consent, grantId: grant.grantId }),
    onProgress: (p) => progress.detail(0, proofStageLabel(p)),
  })
  progress.finish(0)

  progress.begin(1)
  const { txHash } = await submitRevoke(await senderFor(), { consent, grantId: grant.grantId, proof })
  progress.finish(1)

  // At once, before any further read can fail: nothing added from now on may be sealed to the revoked epoch.
  vault.setScopeEpochs(Object.fromEntries(grant.scopes.map((scope) => [scope, vault.currentEpoch(scope) + 1])))
  // The chain is the truth for epochs: read the grants again, this revocation included.
  // Epochs only ever rise, so this cannot undo the raise above; it corrects a stale count upwards.
  const { grants } = await findPatientGrants(publicClient, { chainId, consent, fromBlock: deployment.fromBlock, identitySecret: keys.identitySecret })
  vault.setScopeEpochs(scopeEpochs(grants.map((g) => (g.grantId === grant.grantId ? { ...g, revoked: true } : { ...g, revoked: g.status === 'revoked' }))))
  const rotated = [...grant.scopes]
  const affected = grants.filter((g) => g.status === 'active' && g.grantId !== grant.grantId && g.scopes.some((scope) => rotated.includes(scope)))

  progress.begin(2)
  const built: { grant: PatientGrant; bundle: GrantBundle }[] = []
  const notReissued: RevokeGrantReturnType['notReissued'] = []
  for (const other of affected) {
    try {
      const umbralPublicKey = parameters.granteeKey(other.grantee)
      if (!umbralPublicKey) throw new Error(`${other.grantee} is not in the directory`)
      if (!other.bundle.cid) throw new Error('the grant has no readable bundle on chain')
      const bundle = await buildGrantBundle({
        preMasterSeed: keys.preMasterSeed,
        identitySecret: keys.identitySecret,
        blocks: parameters.blocks,
        deployment,
        grantee: { account: other.grantee, umbralPublicKey },
        // The same grant keeps its pseudonym: the reissue proof shows it again.
        grantIndex: other.grantIndex,
        scopes: other.scopes,
        epochsOf: (scope) => vault.epochsOf(scope),
        expiry: other.expiry,
        proxies: parameters.proxies.slice(0, Math.max(3, other.threshold)),
        threshold: other.threshold,
        patientPeerId: parameters.node.libp2p.peerId.toString(),
      })
      built.push({ grant: other, bundle })
    } catch (error) {
      notReissued.push({ grantId: other.grantId, error })
    }
  }
  progress.finish(2)

  // New manifests sealed to the new epochs, and the new bundles, on the care nodes before
  // the reissues reach the chain (proxies fetch a bundle as soon as they see its event).
  progress.begin(3)
  await publishScopeManifests({
    node: parameters.node,
    blocks: parameters.blocks,
    preMasterSeed: keys.preMasterSeed,
    records: vault.list(),
    scopes: rotated,
    epochOf: (scope) => vault.currentEpoch(scope),
    careNodes: parameters.careNodes,
    extraCids: built.map(({ bundle }) => bundle.bundleCid),
    required: Math.max(1, ...built.map(({ grant: g }) => g.threshold)),
    onProgress: (done, total) => progress.detail(3, `${done} of ${total}`),
  })
  progress.finish(3)

  const reissued: bigint[] = []
  for (const { grant: other, bundle } of built) {
    try {
      await reissue({ sender: await senderFor(), deployment, keys, prove, grant: other, bundle, previous: { proxiesHash: other.bundle.proxiesHash, bundleCid: other.bundle.cid! } })
      reissued.push(other.grantId)
    } catch (error) {
      notReissued.push({ grantId: other.grantId, error })
    }
  }
  return { txHash, rotated, reissued, notReissued }
}

async function reissue(p: {
  sender: ConsentWalletClient
  deployment: { chainId: number; consent: Address }
  keys: { identitySecret: bigint }
  prove: ConsentProver
  grant: PatientGrant
  bundle: GrantBundle
  previous: { proxiesHash: bigint; bundleCid: CID }
}): Promise<void> {
  const next = { proxiesHash: p.bundle.proxiesHash, bundleCid: p.bundle.bundleCid }
  const { proof } = await p.prove({
    ...p.deployment,
    identitySecret: p.keys.identitySecret,
    grantee: p.grant.grantee,
    grantIndex: p.grant.grantIndex,
    paramsHash: await reissueParamsHash({ ...p.deployment, grantId: p.grant.grantId, ...next }),
  })
  await submitReissue(p.sender, { consent: p.deployment.consent, grantId: p.grant.grantId, previous: p.previous, next, proof })
}
