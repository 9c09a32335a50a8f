import { numberToHex, type Hex } from 'viem'
import type { ConsentEvent } from '../../../chain/consent/getGrantEvents.ts'
import type { IncomingConsent } from './consentInbox.ts'

/** A patient as the doctor's list shows one: an accepted consent, or a grant found on chain. */
export type PatientEntry = {
  /** The grant's key-fragment bundle CID. */
  id: string
  grantId: string
  label: string
  /** The label is what the patient typed into their consent: their own words, which nothing verifies. */
  labelByPatient: boolean
  pseudonym: Hex
  scopesMask: number
  /** Unix seconds. */
  expiry: number
  bundleCid: string
  /** Where the patient's browser was when they sent the consent; unknown for grants found on chain only. */
  patient?: { peerId: string; addrs: string[] }
}

export function patientOfConsent(item: IncomingConsent & { grantId: string }): PatientEntry {
  const { delivery } = item
  return {
    id: item.id,
    grantId: item.grantId,
    label: delivery.label,
    labelByPatient: true,
    pseudonym: delivery.pseudonym,
    scopesMask: delivery.grant.scopesMask,
    expiry: delivery.grant.expiry,
    bundleCid: delivery.grant.bundleCid,
    patient: delivery.patient,
  }
}

/**
 * A grant to this doctor that this browser has no consent message for (accepted on
 * another device, or storage cleared): the chain has everything but the patient's label.
 */
export function patientOfGrantEvent(event: Extract<ConsentEvent, { type: 'GrantCreated' }>): PatientEntry | undefined {
  if (!event.bundleCid) return undefined
  const pseudonym = numberToHex(event.pseudonym)
  return {
    id: event.bundleCid.toString(),
    grantId: event.grantId.toString(),
    label: `Patient ${pseudonym.slice(0, 8)}… (grant #${event.grantId})`,
    labelByPatient: false,
    pseudonym,
    scopesMask: event.scopesMask,
    expiry: event.expiry,
    bundleCid: event.bundleCid.toString(),
  }
}
