import type { Address, Hex } from 'viem'
import type { ConsentPublicClient, ConsentWalletClient } from '../../chain/consent/consentClients.ts'
import { findPatientGrants } from '../consent/findPatientGrants.ts'
import { revokeGrant, type RevokeGrantReturnType } from '../consent/revokeGrant.ts'
import { silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import { EmergencyCardNotFoundError } from './emergencyErrors.ts'
import type { Scope } from '../../core/scopes.ts'
import { publishEmergencyCard, type EmergencyCardGrant, type PublishEmergencyCardParameters } from './publishEmergencyCard.ts'

/** The steps rotateEmergencyCard reports: the revocation's, then the new card's. */
export const rotateEmergencyCardSteps = ['Revoking the old card', 'Publishing the new card'] as const

export type RotateEmergencyCardParameters = Omit<PublishEmergencyCardParameters, 'progress' | 'vault'> & {
  vault: PublishEmergencyCardParameters['vault'] & { setScopeEpochs(epochs: Partial<Record<Scope, number>>): void }
  publicClient: ConsentPublicClient
  /** Consent's deployment block (the old card's grant is found from here). */
  fromBlock: bigint
  /** The card being replaced. */
  oldGrantId: bigint
  /** Sends the revocation and reissues from one-off accounts (revokeGrant's sender). */
  sender: ConsentWalletClient | (() => Promise<ConsentWalletClient>)
  /** Published Umbral keys of the patient's other grantees on the summary scope (revokeGrant reissues their grants). */
  granteeKey: (grantee: Address) => Hex | undefined
  /** Steps as in rotateEmergencyCardSteps; details name the sub-step. */
  progress?: FlowProgress
}

export type RotateEmergencyCardReturnType = { card: EmergencyCardGrant; revoked: RevokeGrantReturnType }


/**
 * Rotating the card: the old card's grant is revoked through the ordinary revocation
 * (proxies refuse it at once; the summary scope moves to a new key epoch, so records
 * added afterwards are sealed where the old card's fragments cannot reach), then a new
 * card is published. The old card stops working before the new one exists.
 */
export async function rotateEmergencyCard(p: RotateEmergencyCardParameters): Promise<RotateEmergencyCardReturnType> {
  const progress = p.progress ?? silentProgress
  const { chainId, consent } = p.deployment
  progress.begin(0)
  const { grants } = await findPatientGrants(p.publicClient, { chainId, consent, fromBlock: p.fromBlock, identitySecret: p.keys.identitySecret })
  const grant = grants.find((g) => g.grantId === p.oldGrantId)
  if (!grant) throw new EmergencyCardNotFoundError(p.oldGrantId)
  const revoked = grant.status === 'revoked'
    ? { txHash: grant.txHash, rotated: [], reissued: [], notReissued: [] }
    : await revokeGrant({
        publicClient: p.publicClient,
        sender: p.sender,
        deployment: { chainId, consent, fromBlock: p.fromBlock },
        keys: p.keys,
        vault: p.vault,
        blocks: p.blocks,
        node: p.node,
        careNodes: p.careNodes,
        grant,
        proxies: p.proxies,
        granteeKey: p.granteeKey,
        prove: p.prove,
        progress: { begin: () => {}, detail: (_s, d) => progress.detail(0, d), finish: () => {} },
      })
  progress.finish(0)
  progress.begin(1)
  const card = await publishEmergencyCard({ ...p, progress: { begin: () => {}, detail: (_s, d) => progress.detail(1, d), finish: () => {} } })
  progress.finish(1)
  return { card, revoked }
}
