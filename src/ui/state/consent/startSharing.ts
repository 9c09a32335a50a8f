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
  return sharing
}
