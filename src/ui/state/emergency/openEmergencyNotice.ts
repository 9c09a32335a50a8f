import { consentContext, type ConsentWorkspace } from '../consent/consentContext.ts'
import type { SharingState } from '../consent/SharingState.svelte.ts'
import { loadStoredCard } from './cardStorage.ts'
import type { EmergencyCardState } from './EmergencyCardState.svelte.ts'
import { startEmergency } from './startEmergency.ts'

/**
 * At sign-in: when this device made an emergency card for the account, reads its
 * break-glass history so the shell can tell the patient of new reads. Undefined when
 * there is no card (no chain reads for accounts without one).
 */
export async function openEmergencyNotice(workspace: ConsentWorkspace & { sharing: SharingState | undefined }): Promise<EmergencyCardState | undefined> {
  const { sharing } = workspace
  if (!sharing) return undefined
  const stored = loadStoredCard(localStorage, workspace.account.address, workspace.keys.vaultKey)
  if (stored.grantId === undefined && stored.retired.length === 0) return undefined
  const card = startEmergency(workspace, consentContext(workspace), sharing)
  await card.loadReads()
  return card
}
