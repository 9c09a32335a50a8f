import type { Address, Hex } from 'viem'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'

/** A pharmacy's notice as this device keeps it (verified when it was collected), with what the patient did. */
export type KeptNotice = {
  key: string
  kind: 'dispensed' | 'refused'
  rxHash: string
  pharmacist: Address
  at: number
  chainId: number
  pharmacy: Address
  dispense: FhirResource
  invoice?: { resource: FhirResource; id: string; amount: string }
  txHash?: Hex
  signature: Hex
  /** The payment's transaction, once paid. */
  paidTx?: Hex
  /** The records joined the vault. */
  kept?: boolean
}

const storageKey = (account: string) => `salus:${account.toLowerCase()}:pharmacy-notices`

export function loadNotices(account: string): KeptNotice[] {
  try {
    const raw = JSON.parse(localStorage.getItem(storageKey(account)) ?? '[]') as unknown
    return Array.isArray(raw) ? (raw.filter((n) => typeof n?.key === 'string' && typeof n?.rxHash === 'string') as KeptNotice[]).slice(0, 500) : []
  } catch {
    return []
  }
}

/** Throws when storage fails: the notices then stay in the mailbox for the next collection. */
export function saveNotices(account: string, notices: readonly KeptNotice[]): void {
  localStorage.setItem(storageKey(account), JSON.stringify(notices.slice(-500)))
}
