import type { Address } from 'viem'
import { checkKeyVersion } from '../crypto/keyVersion.ts'

/**
 * What a device remembers about an account's keys (localStorage, never a key): the key
 * version in use, the Salus passkey's credential id, and that the wallet passed the
 * first-use check (it signs as the account, and the same way twice).
 */
export type AccountKeyRecord = { keyVersion: number; credentialId?: string; checked: true }

const storageKey = (account: Address) => `salus:keys:${account.toLowerCase()}`

export function readAccountKeyRecord(account: Address, storage: Storage = localStorage): AccountKeyRecord | undefined {
  try {
    const value: unknown = JSON.parse(storage.getItem(storageKey(account)) ?? 'null')
    if (typeof value !== 'object' || value === null) return undefined
    const record = value as Record<string, unknown>
    if (record.checked !== true || typeof record.keyVersion !== 'number') return undefined
    const keyVersion = checkKeyVersion(record.keyVersion)
    if (record.credentialId !== undefined && (typeof record.credentialId !== 'string' || !/^[A-Za-z0-9_-]{16,1400}$/.test(record.credentialId)))
      return undefined
    return { keyVersion, checked: true, ...(typeof record.credentialId === 'string' ? { credentialId: record.credentialId } : {}) }
  } catch {
    // A damaged record only means the first-use steps run again.
    return undefined
  }
}

export function writeAccountKeyRecord(account: Address, record: AccountKeyRecord, storage: Storage = localStorage): void {
  storage.setItem(storageKey(account), JSON.stringify(record))
}
