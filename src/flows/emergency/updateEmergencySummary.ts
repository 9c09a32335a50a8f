import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import type { RecordSummary } from '../../core/vault/types.ts'
import { publishScopeManifests } from '../consent/publishScopeManifests.ts'
import type { EmergencyPatientContext } from './publishEmergencyCard.ts'

export type UpdateEmergencySummaryParameters = Pick<EmergencyPatientContext, 'vault' | 'blocks' | 'node' | 'careNodes' | 'keys'> & {
  /** The new summary (IPS Bundle): added as a new record of scope summary. */
  summaryRecord: FhirResource
  /** At least this many care nodes must take it (the card's threshold; default 2). */
  required?: number
  onProgress?: (done: number, total: number) => void
}

/**
 * Updating the summary is adding a summary record: the card's grant covers the scope, so
 * the card keeps working and, once the new manifest is on the care nodes, shows it too.
 */
export async function updateEmergencySummary(p: UpdateEmergencySummaryParameters): Promise<RecordSummary> {
  const added = await p.vault.addRecord({ resource: p.summaryRecord, source: 'form' })
  await publishScopeManifests({
    node: p.node,
    blocks: p.blocks,
    preMasterSeed: p.keys.preMasterSeed,
    records: p.vault.list(),
    scopes: ['summary'],
    epochOf: (scope) => p.vault.currentEpoch(scope),
    careNodes: p.careNodes,
    required: Math.min(p.required ?? 2, p.careNodes.length),
    ...(p.onProgress ? { onProgress: p.onProgress } : {}),
  })
  return added
}
