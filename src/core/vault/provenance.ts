import { getAddress, isAddress, isHex, keccak256, recoverTypedDataAddress, type Address, type Hex } from 'viem'
import { isScope, type Scope } from '../scopes.ts'
import { writeBackResourceBytes, writeBackTypedData } from '../careLoop/writeBack.ts'
import type { FhirResource } from '../fhir/fhirTypes.ts'

/**
 * Where a record written by a provider came from: who signed it, when, through which
 * grant and scope, and that the patient accepted it from their inbox. Kept in the
 * record's index entry (so through backup, restore and anchoring) and written out as a
 * FHIR Provenance on export.
 */
export interface RecordProvenance {
  /** The provider's account (the EIP-712 signer). */
  author: Address
  /** EIP-712 signature over `provenanceTypedData` by `author`. */
  signature: Hex
  /** Unix seconds the provider signed at; the Registry is checked at this time. */
  signedAt: number
  chainId: number
  /** The Consent contract of the grant (the signature's verifying contract). */
  consent: Address
  /** The consent grant the item came through (decimal string: JSON has no bigint). */
  grantId: string
  scope: Scope
  /** The inbox item's id; a later amend or withdraw from the same author names it. */
  itemId: string
  /** When the patient accepted it (ISO). */
  acceptedAt: string
  /** Present when the item amended an earlier item of the same author. */
  replaces?: string
  /** Present on a withdrawal item (the record it withdrew keeps this provenance of the withdrawal in its status). */
  withdraws?: string
}

/**
 * The typed data a provider signed for this record: part mailbox's write-back item
 * (src/core/careLoop/writeBack.ts), over the keccak256 of the resource's canonical JSON,
 * so the record verifies whatever key order storage gives it back in.
 */
export function provenanceTypedData(
  resource: FhirResource,
  p: Pick<RecordProvenance, 'chainId' | 'consent' | 'grantId' | 'scope' | 'signedAt'> & { replaces?: string; withdraws?: string },
) {
  return writeBackTypedData(resourceHash(resource), {
    grantId: BigInt(p.grantId),
    scope: p.scope,
    signedAt: p.signedAt,
    chainId: p.chainId,
    consent: p.consent,
    ...(p.replaces ? { replaces: p.replaces } : {}),
    ...(p.withdraws ? { withdraws: p.withdraws } : {}),
  })
}

export function resourceHash(resource: FhirResource): Hex {
  return keccak256(writeBackResourceBytes(resource))
}

/** The address the provenance signature recovers to for this resource (throws on a malformed signature). */
export async function recoverProvenanceSigner(resource: FhirResource, provenance: RecordProvenance): Promise<Address> {
  return recoverTypedDataAddress({ ...provenanceTypedData(resource, provenance), signature: provenance.signature })
}

/** True when the signature was made by `provenance.author` over exactly this resource and these fields. */
export async function provenanceSignatureHolds(resource: FhirResource, provenance: RecordProvenance): Promise<boolean> {
  try {
    return getAddress(await recoverProvenanceSigner(resource, provenance)) === getAddress(provenance.author)
  } catch {
    return false
  }
}

/** Shape check for provenance read from the index or a backup; returns a reason, or undefined when it is well formed. */
export function provenanceShapeError(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'not an object'
  const p = value as Record<string, unknown>
  if (typeof p.author !== 'string' || !isAddress(p.author)) return 'author'
  if (typeof p.signature !== 'string' || !isHex(p.signature)) return 'signature'
  if (typeof p.signedAt !== 'number' || !Number.isSafeInteger(p.signedAt) || p.signedAt < 0) return 'signedAt'
  if (typeof p.chainId !== 'number' || !Number.isSafeInteger(p.chainId) || p.chainId <= 0) return 'chainId'
  if (typeof p.consent !== 'string' || !isAddress(p.consent)) return 'consent'
  if (typeof p.grantId !== 'string' || !/^\d{1,78}$/.test(p.grantId)) return 'grantId'
  if (!isScope(p.scope)) return 'scope'
  if (typeof p.itemId !== 'string' || p.itemId.length === 0 || p.itemId.length > 200) return 'itemId'
  if (typeof p.acceptedAt !== 'string') return 'acceptedAt'
  if (p.replaces !== undefined && typeof p.replaces !== 'string') return 'replaces'
  if (p.withdraws !== undefined && typeof p.withdraws !== 'string') return 'withdraws'
  return undefined
}

/** A FHIR R4 Provenance for an exported record: target, author agent and the signature. */
export function provenanceResource(targetId: string, provenance: RecordProvenance): FhirResource {
  return {
    resourceType: 'Provenance',
    target: [{ reference: targetId }],
    recorded: provenance.acceptedAt,
    occurredDateTime: new Date(provenance.signedAt * 1000).toISOString(),
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'author' }] },
        who: { identifier: { system: `eip155:${provenance.chainId}`, value: provenance.author } },
      },
    ],
    signature: [
      {
        type: [{ system: 'urn:iso-astm:E1762-95:2013', code: '1.2.840.10065.1.12.1.1', display: "Author's Signature" }],
        when: new Date(provenance.signedAt * 1000).toISOString(),
        who: { identifier: { system: `eip155:${provenance.chainId}`, value: provenance.author } },
        sigFormat: 'application/eip712+json',
        data: btoa(
          JSON.stringify({
            signature: provenance.signature,
            chainId: provenance.chainId,
            consent: provenance.consent,
            grantId: provenance.grantId,
            scope: provenance.scope,
            signedAt: provenance.signedAt,
            itemId: provenance.itemId,
            replaces: provenance.replaces ?? '',
            withdraws: provenance.withdraws ?? '',
          }),
        ),
      },
    ],
  } as FhirResource
}
