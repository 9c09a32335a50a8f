import { bytesToHex, hexToBytes, type Address, type Hash, type Hex } from 'viem'
import { openSmall, sealSmall } from '../../crypto/xchacha.ts'

/**
 * A covered booking is sent from a one-off account so nothing on chain links it to the
 * patient. Its key stays on this device, sealed with the vault key, because only that
 * account may cancel the booking (Appointments.cancelByPatient checks the payer).
 */
/** `txHash` is missing while the booking is being sent: the key is saved before, so a closed tab cannot lose it. */
export type CoveredBookingKey = { slotId: bigint; privateKey: Hex; address: Address; txHash?: Hash }

type Stored = { slotId: string; privateKey: Hex; address: Address; txHash?: Hash }

const aad = new TextEncoder().encode('salus/covered-booking-keys/v1')
const maxEntries = 1_000
const storageKey = (account: Address) => `salus:covered-bookings:${account.toLowerCase()}`

export type KeyStorage = Pick<Storage, 'getItem' | 'setItem'>

/** The covered bookings this account made from this device; a missing or unreadable entry reads as none. */
export function loadCoveredBookingKeys(storage: KeyStorage, account: Address, vaultKey: Uint8Array): CoveredBookingKey[] {
  const sealed = storage.getItem(storageKey(account))
  if (!sealed || !/^0x[0-9a-f]+$/i.test(sealed) || sealed.length > 2 * 1024 * 1024) return []
  try {
    const entries = JSON.parse(new TextDecoder().decode(openSmall(vaultKey, hexToBytes(sealed as Hex), aad))) as Stored[]
    if (!Array.isArray(entries)) return []
    return entries
      .filter((e) => /^\d{1,78}$/.test(e.slotId) && /^0x[0-9a-f]{64}$/i.test(e.privateKey) && /^0x[0-9a-f]{40}$/i.test(e.address) && (e.txHash === undefined || /^0x[0-9a-f]{64}$/i.test(e.txHash)))
      .map((e) => ({ slotId: BigInt(e.slotId), privateKey: e.privateKey, address: e.address, ...(e.txHash ? { txHash: e.txHash } : {}) }))
  } catch {
    return []
  }
}

export function saveCoveredBookingKeys(storage: KeyStorage, account: Address, vaultKey: Uint8Array, keys: readonly CoveredBookingKey[]): void {
  const entries: Stored[] = keys.slice(-maxEntries).map((k) => ({ slotId: k.slotId.toString(), privateKey: k.privateKey, address: k.address, ...(k.txHash ? { txHash: k.txHash } : {}) }))
  storage.setItem(storageKey(account), bytesToHex(sealSmall(vaultKey, new TextEncoder().encode(JSON.stringify(entries)), aad)))
}
