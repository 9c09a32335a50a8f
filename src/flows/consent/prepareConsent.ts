import type { Address, Hex } from 'viem'
import type { CID } from 'multiformats/cid'
import type { BlockAccess } from '../../core/blocks.ts'
import type { Scope } from '../../core/scopes.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { grantParamsHash, scopesMask } from '../../zk/grantHash.ts'
import { buildGrantBundle, type ProxyEntry } from './buildGrantBundle.ts'
import type { ConsentProver } from './consentProver.ts'
import { checkCancelled, silentProgress, type FlowProgress } from './flowProgress.ts'
import { proofStageLabel } from './proofStageLabel.ts'
import { publishScopeManifests } from './publishScopeManifests.ts'

export type PrepareConsentParameters = {
  keys: { preMasterSeed: Uint8Array; identitySecret: bigint }
  /** The vault's records, and the key epochs of their scopes. */
  vault: { list(): readonly RecordSummary[]; currentEpoch(scope: Scope): number; epochsOf(scope: Scope): number[] }
  blocks: BlockAccess
  node: SalusNode
  /** Care nodes' multiaddrs (with /p2p/) that keep records, manifests and the bundle. */
  careNodes: readonly string[]
  deployment: { chainId: number; consent: Address }
  doctor: { account: Address; umbralPublicKey: Hex }
  /** Which of the patient's grants to this doctor (nextGrantIndex): the grant's own pseudonym. */
  grantIndex: number
  scopes: readonly Scope[]
  /** Unix seconds. */
  expiry: number
  proxies: readonly ProxyEntry[]
  threshold: number
  prove: ConsentProver
  /** Steps: 0 bundle, 1 copies on the care nodes, 2 proof. */
  progress?: FlowProgress
  signal?: AbortSignal
}

export type PreparedConsent = {
  grant: { grantee: Address; scopesMask: number; expiry: number; proxiesHash: bigint; threshold: number; bundleCid: CID }
  bundleCid: CID
  pseudonym: bigint
  proof: readonly bigint[]
}

/**
 * Everything a doctor needs to record a patient's consent: the bound key-fragment
 * bundle, the records, manifests and bundle on the care nodes, and the proof. The
 * doctor submits it; the patient's wallet never touches the chain.
 */
export async function prepareConsent(parameters: PrepareConsentParameters): Promise<PreparedConsent> {
  const { keys, vault, blocks, node, careNodes, deployment, doctor, grantIndex, scopes, expiry, proxies, threshold, prove, signal } = parameters
  const progress = parameters.progress ?? silentProgress
  progress.begin(0)
  const built = await buildGrantBundle({
    preMasterSeed: keys.preMasterSeed,
    identitySecret: keys.identitySecret,
    blocks,
    deployment,
    grantee: doctor,
    grantIndex,
    scopes,
    epochsOf: (scope) => vault.epochsOf(scope),
    expiry,
    proxies,
    threshold,
    patientPeerId: node.libp2p.peerId.toString(),
  })
  progress.finish(0)
  checkCancelled(signal)

  progress.begin(1)
  await publishScopeManifests({
    node,
    blocks,
    preMasterSeed: keys.preMasterSeed,
    records: vault.list(),
    scopes,
    epochOf: (scope) => vault.currentEpoch(scope),
    careNodes,
    extraCids: [built.bundleCid],
    required: threshold,
    onProgress: (done, total) => progress.detail(1, `${done} of ${total}`),
  })
  progress.finish(1)
  checkCancelled(signal)

  progress.begin(2)
  const grant = { grantee: doctor.account, scopesMask: scopesMask(scopes), expiry, proxiesHash: built.proxiesHash, threshold, bundleCid: built.bundleCid }
  const { pseudonym, proof } = await prove({
    ...deployment,
    identitySecret: keys.identitySecret,
    grantee: doctor.account,
    grantIndex,
    // Bound to this deployment: the proof is refused on any other chain or Consent contract.
    paramsHash: await grantParamsHash({ ...grant, ...deployment }),
    onProgress: (p) => progress.detail(2, proofStageLabel(p)),
  })
  progress.finish(2)
  return { grant, bundleCid: built.bundleCid, pseudonym, proof }
}
