import type { Workspace } from '../Workspace.svelte.ts'
import { consentContext } from './consentContext.ts'
import { SharingState } from './SharingState.svelte.ts'

/**
 * The patient's sharing state for this workspace, started once at sign-in: a record
 * added to a shared scope must reach the doctors even if the Sharing page is never opened.
 */
export function startSharing(workspace: Workspace): SharingState {
  if (workspace.sharing) return workspace.sharing
  const sharing = new SharingState(consentContext(workspace))
  workspace.sharing = sharing
  void sharing.start()
  void takeWriteBacks(workspace).catch((error: unknown) => console.warn('Salus: write-backs are not taken online (they wait in the mailbox)', error))
  return sharing
}

/** A doctor's write-back delivered straight to this tab lands in the inbox at once (it also waits in the mailbox). */
async function takeWriteBacks(workspace: Workspace): Promise<void> {
  workspace.deliveries.on('write-back', (delivery) => workspace.inbox.receiveOnline(delivery.item))
  await workspace.deliveries.serve(await consentContext(workspace).node())
}
