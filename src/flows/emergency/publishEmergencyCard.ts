import { parseEther, type Address, type Hash } from 'viem'
import type { CID } from 'multiformats/cid'
import { submitGrant } from '../../chain/consent/submitGrant.ts'
import { fundOneOffAccount } from '../../chain/fundOneOffAccount.ts'
import type { NetworkConfig } from '../../chain/networkConfig.ts'
import type { BlockAccess } from '../../core/blocks.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { Scope } from '../../core/scopes.ts'
import type { AddRecordParameters, RecordSummary } from '../../core/vault/types.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import type { ProxyEntry } from '../consent/buildGrantBundle.ts'
import type { ConsentProver } from '../consent/consentProver.ts'
import { checkCancelled, silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import { prepareConsent } from '../consent/prepareConsent.ts'
import { emergencyCardAccount } from './emergencyCardAccount.ts'

/** The steps publishEmergencyCard reports through `progress`, in order. */
export const publishEmergencyCardSteps = [
  'Adding the summary to your records',
  'Making the card’s keys',
  'Copying the summary to the care nodes',
  'Proving your consent',
  'Recording the card on the chain',
] as const

/** What a card holds to open the summary (ecore's card payload adds the embedded minimum). */
export type EmergencyCardGrant = {
  chainId: number
  /** The Consent deployment the grant lives on. */
  consent: Address
  grantId: bigint
  /** 32 random bytes: everything the card opens is derived from it (core/emergency/cardKeys.ts). */
  cardSecret: Uint8Array
  /** The card's account, the grant's grantee. */
  account: Address
  /** Unix seconds. */
  issuedAt: number
  /** Unix seconds: the grant's expiry. */
  expiry: number
  bundleCid: CID
  txHash: Hash
}

export type EmergencyPatientContext = {
  /** The network (its faucet funds the card's account on a local chain; elsewhere a relayer is needed). */
  config: NetworkConfig
  deployment: { chainId: number; consent: Address }
  keys: { preMasterSeed: Uint8Array; identitySecret: bigint }
  vault: {
    list(): readonly RecordSummary[]
    currentEpoch(scope: Scope): number
    epochsOf(scope: Scope): number[]
    addRecord(p: AddRecordParameters): Promise<RecordSummary>
  }
  blocks: BlockAccess
  node: SalusNode
  /** Care nodes' multiaddrs (with /p2p/): they keep the summary while the patient is offline. */
  careNodes: readonly string[]
  /** Care nodes from the directory: the card's proxies. */
  proxies: readonly ProxyEntry[]
  prove: ConsentProver
}

export type PublishEmergencyCardParameters = EmergencyPatientContext & {
  /** A new summary record (the IPS Bundle, scope summary) added to the vault first; omit to publish the summary records already there. */
  summaryRecord?: FhirResource
  /** Proxies that must answer (default 2, or fewer when fewer proxies are given). */
  threshold?: number
  /** Unix seconds (default two years from now). */
  expiry?: number
  /** Steps as in publishEmergencyCardSteps. */
  progress?: FlowProgress
  signal?: AbortSignal
  /** Defaults to 32 random bytes; tests pass their own. */
  cardSecret?: Uint8Array
}

/** A card secret is 32 random bytes (interfaces: core/emergency/cardKeys.ts). */
const cardSecretBytes = 32
const cardLifetimeSeconds = 2 * 365 * 86_400
/** Gas for one grant (about 350k gas), with room to spare. */
const cardGasAllowance = parseEther('0.01')

/**
 * Makes an emergency card: a fresh secret, and through the patient's ordinary consent
 * (prepareConsent: a bound key-fragment bundle, the summary scope's manifest and records
 * pinned on the care nodes, a real proof) a grant of the `summary` scope alone to the
 * card's own account, with the card's receiving key in the bundle. The card's account
 * submits the grant (funded by a one-off transfer), so the patient's wallet never
 * appears; the summary is readable from the care nodes while the patient is offline.
 */
export async function publishEmergencyCard(p: PublishEmergencyCardParameters): Promise<EmergencyCardGrant> {
  const progress = p.progress ?? silentProgress
  const { signal } = p
  checkCancelled(signal)
  progress.begin(0)
  if (p.summaryRecord) await p.vault.addRecord({ resource: p.summaryRecord, source: 'form' })
  if (!p.vault.list().some((record) => record.scope === 'summary')) {
    progress.detail(0, 'There is no summary record yet: the card opens an empty summary until you add one.')
  }
  progress.finish(0)
  checkCancelled(signal)

  const cardSecret = p.cardSecret ?? crypto.getRandomValues(new Uint8Array(cardSecretBytes))
  const card = emergencyCardAccount(cardSecret)
  try {
    const threshold = p.threshold ?? Math.min(2, p.proxies.length)
    const issuedAt = Math.floor(Date.now() / 1000)
    const expiry = p.expiry ?? issuedAt + cardLifetimeSeconds
    // prepareConsent's steps 0-2 are ours 1-3.
    const shifted: FlowProgress = { begin: (s) => progress.begin(s + 1), detail: (s, d) => progress.detail(s + 1, d), finish: (s) => progress.finish(s + 1) }
    const prepared = await prepareConsent({
      keys: p.keys,
      vault: p.vault,
      blocks: p.blocks,
      node: p.node,
      careNodes: p.careNodes,
      deployment: p.deployment,
      doctor: { account: card.account, umbralPublicKey: card.receivingPublicKey },
      // A fresh account: this is the patient's first grant to it.
      grantIndex: 0,
      scopes: ['summary'],
      expiry,
      proxies: p.proxies,
      threshold,
      prove: p.prove,
      progress: shifted,
      ...(signal ? { signal } : {}),
    })
    checkCancelled(signal)

    progress.begin(4)
    const { walletClient } = await fundOneOffAccount(p.config, { allowance: cardGasAllowance, purpose: 'Publishing an emergency card', privateKey: card.accountPrivateKey })
    const { grantId, txHash } = await submitGrant(walletClient, {
      consent: p.deployment.consent,
      params: { ...prepared.grant, expiry: BigInt(prepared.grant.expiry) },
      pseudonym: prepared.pseudonym,
      proof: [...prepared.proof],
    })
    progress.finish(4)
    return { chainId: p.deployment.chainId, consent: p.deployment.consent, grantId, cardSecret, account: card.account, issuedAt, expiry, bundleCid: prepared.bundleCid, txHash }
  } finally {
    card.receivingSecretKey.free()
  }
}
