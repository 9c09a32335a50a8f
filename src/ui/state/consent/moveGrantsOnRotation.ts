import type { SalusKeys } from '../../../core/keys/deriveKeys.ts'
import { findPatientGrants, type PatientGrant } from '../../../flows/consent/findPatientGrants.ts'
import { moveGrantsToNewKeys, type MoveGrantsToNewKeysReturnType } from '../../../flows/consent/moveGrantsToNewKeys.ts'
import { createProverWorker } from '../../../zk/proveInWorker.ts'
import type { Workspace } from '../Workspace.svelte.ts'
import { careNodeAddresses, consentContext } from './consentContext.ts'
import { consentDelivery } from './consentDelivery.ts'
import { consentSender } from './consentSender.ts'
import { proveConsent } from './proveConsent.ts'
import type { SentConsent } from './SharingState.svelte.ts'
import { startSharing } from './startSharing.ts'

/**
 * Before a key rotation: the patient's active grants, found with the current keys (after
 * the rotation only the new identity's pseudonyms are recomputed, so these are no longer
 * recognised). None when the network has no Consent contract.
 */
export async function findGrantsToMove(workspace: Workspace): Promise<PatientGrant[]> {
  const consent = workspace.clients?.config.contracts.Consent
  if (!consent) return []
  const context = consentContext(workspace)
  const { grants } = await findPatientGrants(context.publicClient, {
    chainId: context.config.chainId,
    consent: consent.address,
    fromBlock: BigInt(consent.deployBlock),
    identitySecret: workspace.keys.identitySecret,
  })
  return grants.filter((grant) => grant.status === 'active')
}

/**
 * After the rotation, in the new workspace: every grant found before gets a new consent
 * under the new keys, sent to its doctor like one made on the Sharing page (it appears
 * in the Sharing page's sent consents; an offline doctor gets it on retry), and the old
 * grant is revoked with the old keys from a one-off account.
 */
export async function moveGrantsAfterRotation(
  workspace: Workspace,
  oldKeys: SalusKeys,
  grants: readonly PatientGrant[],
  say: (message: string) => void,
): Promise<MoveGrantsToNewKeysReturnType> {
  const sharing = startSharing(workspace)
  await sharing.start()
  const context = consentContext(workspace)
  const node = await context.node()
  const worker = createProverWorker()
  const label = workspace.account.label.trim().slice(0, 64) || 'Patient'
  try {
    return await moveGrantsToNewKeys({
      publicClient: context.publicClient,
      deployment: { chainId: context.config.chainId, consent: context.consent.address, fromBlock: BigInt(context.consent.deployBlock) },
      oldKeys,
      newKeys: workspace.keys,
      grants,
      vault: workspace.vault,
      blocks: workspace.blocks,
      node,
      careNodes: careNodeAddresses(context),
      proxies: sharing.directory.careNodes,
      granteeKey: (grantee) => sharing.directory.doctor(grantee)?.umbralPublicKey,
      prove: (input) => proveConsent(worker, input),
      sender: () => consentSender(context),
      async deliver({ from, prepared }) {
        const doctor = sharing.directory.doctor(from.grantee)
        if (!doctor) throw new Error(`${from.grantee} is not in the directory`)
        const delivery = consentDelivery({ ...prepared, node, label })
        const sent: SentConsent = { id: prepared.bundleCid.toString(), doctor, delivery, state: 'sending', error: '' }
        sharing.sent = [sent, ...sharing.sent]
        // Never throws: an offline doctor leaves it "undelivered" with a retry on the Sharing page.
        await sharing.deliver(sent)
      },
      onProgress: ({ done, total, grantee, step }) => {
        const name = sharing.directory.doctor(grantee)?.name ?? grantee
        const what = step === 'preparing' ? 'making a new consent for' : step === 'delivering' ? 'sending the new consent to' : 'ending the old grant of'
        say(`Moving your grants to the new keys (${done + 1} of ${total}): ${what} ${name}…`)
      },
    })
  } finally {
    worker.terminate()
    // The Sharing page lists the new grants once the doctors accept them.
    void sharing.grants.refresh()
  }
}
