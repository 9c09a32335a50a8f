import type { ConsentContext } from '../consent/consentContext.ts'
import type { SharingState } from '../consent/SharingState.svelte.ts'
import { EmergencyCardState } from './EmergencyCardState.svelte.ts'

/** One card state per open account, kept while the account is open (switching sections keeps progress). */
const opened = new WeakMap<object, EmergencyCardState>()

export function startEmergency(workspace: object, context: ConsentContext, sharing: SharingState): EmergencyCardState {
  let state = opened.get(workspace)
  if (!state) {
    state = new EmergencyCardState(context, sharing)
    opened.set(workspace, state)
  }
  return state
}
