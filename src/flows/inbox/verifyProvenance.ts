import type { Address, Chain, Client, Transport } from 'viem'
import { getRoleHistory, type RoleChange } from '../../chain/getRoleHistory.ts'
import { readProvider } from '../../chain/readProvider.ts'
import type { FhirResource } from '../../core/fhir/fhirTypes.ts'
import { provenanceSignatureHolds, type RecordProvenance } from '../../core/vault/provenance.ts'

export type ProvenanceChain = {
  client: Client<Transport, Chain | undefined>
  registry: Address
  /** config.contracts.Registry.deployBlock */
  fromBlock: bigint
}

export type ProvenanceVerdict = {
  /** The signature recovers to the author and the author was a certified doctor at signedAt. */
  verified: boolean
  signature: boolean
  doctorAtSignedAt: boolean
  /** The author's directory name, when they have an entry. */
  authorName?: string
  /** One sentence a patient can read. */
  detail: string
}

/** Whether the role was held at `timestamp` (unix seconds), from the role's changes oldest first. */
export function roleHeldAt(changes: readonly RoleChange[], timestamp: number): boolean {
  let held = false
  for (const change of changes) {
    if (change.timestamp > timestamp) break
    held = change.held
  }
  return held
}

/**
 * Checks a provider's record later, from the chain alone: the EIP-712 signature over
 * the resource recovers to the author, and the author held DOCTOR on the Registry at
 * the time they signed (RoleGranted/RoleRevoked, which certify and decertify emit).
 * A signedAt in the future of the acceptance is refused (it could dodge a later
 * decertification). Read errors are thrown (ChainUnreachableError …), not a verdict.
 */
export async function verifyProvenance(
  record: { resource: FhirResource; provenance: RecordProvenance },
  chain: ProvenanceChain,
): Promise<ProvenanceVerdict> {
  const { resource, provenance } = record
  const signature = await provenanceSignatureHolds(resource, provenance)
  const [{ changes }, entry] = await Promise.all([
    getRoleHistory(chain.client, { registry: chain.registry, role: 'doctor', account: provenance.author, fromBlock: chain.fromBlock }),
    readProvider(chain.client, { registry: chain.registry, account: provenance.author }),
  ])
  const acceptedAt = Date.parse(provenance.acceptedAt) / 1000
  const plausibleTime = !(acceptedAt + 300 < provenance.signedAt)
  const doctorAtSignedAt = plausibleTime && roleHeldAt(changes, provenance.signedAt)
  const name = entry?.name
  const who = name ?? provenance.author
  const when = new Date(provenance.signedAt * 1000).toISOString().slice(0, 10)
  const detail = !signature
    ? `The signature does not match this record and ${who}: it was altered or forged.`
    : !plausibleTime
      ? `The record claims to be signed after you accepted it, which cannot be right.`
      : !doctorAtSignedAt
        ? `${who} was not a certified doctor on ${when}, when the record was signed.`
        : `Signed by ${who}, a certified doctor on ${when}.`
  return { verified: signature && doctorAtSignedAt, signature, doctorAtSignedAt, ...(name ? { authorName: name } : {}), detail }
}
