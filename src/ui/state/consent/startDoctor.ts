import type { Workspace } from '../Workspace.svelte.ts'
import { consentContext } from './consentContext.ts'
import { DoctorState } from './DoctorState.svelte.ts'

/**
 * The doctor's consent inbox for this workspace, started once: a doctor must be
 * reachable for consents from sign-in, not only while the Patients page is open.
 * Throws SharingUnavailableError when the network cannot support it.
 */
export function startDoctor(workspace: Workspace): DoctorState {
  if (workspace.doctor) return workspace.doctor
  const doctor = new DoctorState(consentContext(workspace))
  workspace.doctor = doctor
  void doctor.start()
  return doctor
}
