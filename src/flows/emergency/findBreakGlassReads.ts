import type { Address, Hash } from 'viem'
import type { ConsentPublicClient } from '../../chain/consent/consentClients.ts'
import { getBreakGlassEvents } from '../../chain/emergency/getBreakGlassEvents.ts'
import { getProviderCertifications } from '../../chain/getProviderCertifications.ts'

export type BreakGlassRead = {
  grantId: bigint
  responder: Address
  /** The EMS authority whose certification the responder held at the time (undefined if none is found). */
  authority: Address | undefined
  /** Unix seconds. */
  at: number
  eventId: bigint
  txHash: Hash
}

export type FindBreakGlassReadsParameters = {
  deployment: {
    emergency: { address: Address; fromBlock: bigint }
    registry: { address: Address; fromBlock: bigint }
  }
  /** The patient's emergency card grants (active or not): their break-glass reads are listed. */
  grantIds: readonly bigint[]
}

/**
 * Every break-glass read of the patient's emergency cards, newest first, for the access
 * history: which responder, certified by which EMS authority (the last Registry
 * certification of RESPONDER before the read), when. The RPC node is asked for these
 * grant ids only, which name no patient.
 */
export async function findBreakGlassReads(client: ConsentPublicClient, { deployment, grantIds }: FindBreakGlassReadsParameters): Promise<BreakGlassRead[]> {
  const { events } = await getBreakGlassEvents(client, { emergency: deployment.emergency.address, fromBlock: deployment.emergency.fromBlock, grantIds })
  const responders = [...new Map(events.map((event) => [event.responder.toLowerCase(), event.responder])).values()]
  const certifications = await getProviderCertifications(client, { registry: deployment.registry.address, role: 'responder', accounts: responders, fromBlock: deployment.registry.fromBlock })
  return events
    .map((event): BreakGlassRead => {
      const before = certifications.filter((c) => c.account.toLowerCase() === event.responder.toLowerCase() && c.blockNumber <= event.blockNumber)
      const last = before.at(-1)
      return { grantId: event.grantId, responder: event.responder, authority: last?.certified ? last.authority : undefined, at: event.timestamp, eventId: event.eventId, txHash: event.txHash }
    })
    .reverse()
}
