import type { Address, Hex } from 'viem'
import { readProvider } from '../../chain/readProvider.ts'
import { findPatientGrants, type PatientGrant } from '../../flows/consent/findPatientGrants.ts'
import { collectInbox } from '../../flows/careLoop/collectInbox.ts'
import { answerWriteBack } from '../../flows/careLoop/answerWriteBack.ts'
import { receiveWriteBack } from '../../flows/careLoop/receiveWriteBack.ts'
import type { InboxSource } from '../../flows/inbox/inboxItem.ts'
import { careNodeAddresses, consentContext, type ConsentWorkspace } from './consent/consentContext.ts'

/** The declined item ids this device remembers (InboxState keeps them); collection leaves them out. */
export type KnownItems = () => ReadonlySet<string>

/**
 * The inbox's transport: part mailbox's collectInbox over the patient's per-grant
 * mailboxes on the care nodes, and answerWriteBack to the doctor's mailbox. Items stay
 * in the mailboxes until they expire (no `keep`: nothing sensitive is written to this
 * device unencrypted); those accepted (in the vault) or declined are not shown again.
 * Undefined when the network has no Consent contract.
 */
export function mailboxInboxSource(workspace: ConsentWorkspace, known: KnownItems): InboxSource | undefined {
  if (!workspace.clients?.config.contracts.Consent) return undefined
  const setup = async () => {
    const context = consentContext(workspace)
    const { config, publicClient } = context
    const found = await findPatientGrants(publicClient, {
      chainId: config.chainId,
      consent: context.consent.address,
      fromBlock: BigInt(context.consent.deployBlock),
      identitySecret: workspace.keys.identitySecret,
    })
    const grants: PatientGrant[] = found.grants
    const node = await context.node()
    const registry = config.contracts.Registry.address
    return {
      node,
      careNodes: careNodeAddresses(context),
      keys: workspace.keys,
      deployment: { chainId: config.chainId, consent: context.consent.address, registry },
      publicClient,
      grants,
      doctorKey: async (account: Address): Promise<Hex | undefined> => (await readProvider(publicClient, { registry, account }))?.umbralPublicKey,
    }
  }
  return {
    async collect(options = {}) {
      const base = await setup()
      return collectInbox({
        ...base,
        epochsOf: (scope) => workspace.vault.epochsOf(scope),
        known: known(),
        ...(options.signal ? { signal: options.signal } : {}),
      })
    },
    async receive(item, receivedAt) {
      const base = await setup()
      return receiveWriteBack({ ...base, epochsOf: (scope) => workspace.vault.epochsOf(scope) }, item, receivedAt)
    },
    async answer(item, answer) {
      const base = await setup()
      await answerWriteBack(base, item, answer.outcome, answer.outcome === 'declined' ? answer.reason : undefined)
    },
  }
}
