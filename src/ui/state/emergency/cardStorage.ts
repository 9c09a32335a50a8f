import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem'
import { openSmall, sealSmall } from '../../../crypto/xchacha.ts'
import type { EmergencyContact, CardFields } from './emergencyParts.ts'

/**
 * The patient's emergency card on this device: the QR text (it holds the card secret,
 * so it is sealed with the vault key like the covered-booking keys), the fields typed
 * for the card, and the grant ids of every card made here (the current one and the
 * rotated ones, so the access history names them).
 */
export type StoredCard = {
  /** The QR payload (encodeCard); absent until the first publish. */
  qrText?: string
  grantId?: bigint
  open: boolean
  publishedAt?: number
  extras: CardFields
  /** Grant ids of cards rotated away. */
  retired: bigint[]
}

type Stored = Omit<StoredCard, 'grantId' | 'retired'> & { grantId?: string; retired: string[] }

export type CardStorage = Pick<Storage, 'getItem' | 'setItem'>

const aad = new TextEncoder().encode('salus/emergency-card/v1')
const storageKey = (account: Address) => `salus:emergency-card:${account.toLowerCase()}`
const seenKey = (account: Address) => `salus:emergency-reads-seen:${account.toLowerCase()}`

export const emptyExtras = (): CardFields => ({ implants: [], advanceDirectives: [], contacts: [] })

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}

function contacts(value: unknown): EmergencyContact[] {
  if (!Array.isArray(value)) return []
  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null && typeof (item as { name?: unknown }).name === 'string')
    .map((item) => ({
      name: item['name'] as string,
      ...(typeof item['relationship'] === 'string' ? { relationship: item['relationship'] } : {}),
      ...(typeof item['phone'] === 'string' ? { phone: item['phone'] } : {}),
    }))
}

/** This account's card on this device; missing or unreadable reads as "no card yet". */
export function loadStoredCard(storage: CardStorage, account: Address, vaultKey: Uint8Array): StoredCard {
  const empty: StoredCard = { open: false, extras: emptyExtras(), retired: [] }
  const sealed = storage.getItem(storageKey(account))
  if (!sealed || !/^0x[0-9a-f]+$/i.test(sealed) || sealed.length > 1024 * 1024) return empty
  try {
    const stored = JSON.parse(new TextDecoder().decode(openSmall(vaultKey, hexToBytes(sealed as Hex), aad))) as Partial<Stored>
    const extras = (typeof stored.extras === 'object' && stored.extras !== null ? stored.extras : {}) as Partial<CardFields>
    return {
      ...(typeof stored.qrText === 'string' ? { qrText: stored.qrText } : {}),
      ...(typeof stored.grantId === 'string' && /^\d{1,78}$/.test(stored.grantId) ? { grantId: BigInt(stored.grantId) } : {}),
      open: stored.open === true,
      ...(typeof stored.publishedAt === 'number' ? { publishedAt: stored.publishedAt } : {}),
      extras: {
        ...(typeof extras.bloodGroup === 'string' && extras.bloodGroup ? { bloodGroup: extras.bloodGroup } : {}),
        implants: strings(extras.implants),
        advanceDirectives: strings(extras.advanceDirectives),
        contacts: contacts(extras.contacts),
      },
      retired: strings(stored.retired).filter((id) => /^\d{1,78}$/.test(id)).map((id) => BigInt(id)),
    }
  } catch {
    return empty
  }
}

export function saveStoredCard(storage: CardStorage, account: Address, vaultKey: Uint8Array, card: StoredCard): void {
  const stored: Stored = {
    ...(card.qrText ? { qrText: card.qrText } : {}),
    ...(card.grantId !== undefined ? { grantId: card.grantId.toString() } : {}),
    open: card.open,
    ...(card.publishedAt ? { publishedAt: card.publishedAt } : {}),
    extras: card.extras,
    retired: card.retired.map((id) => id.toString()),
  }
  storage.setItem(storageKey(account), bytesToHex(sealSmall(vaultKey, new TextEncoder().encode(JSON.stringify(stored)), aad)))
}

/** The newest break-glass read (unix seconds) the patient has been told about. */
export function loadSeenReads(storage: CardStorage, account: Address): number {
  const value = Number(storage.getItem(seenKey(account)) ?? 0)
  return Number.isFinite(value) && value > 0 ? value : 0
}

export function saveSeenReads(storage: CardStorage, account: Address, at: number): void {
  storage.setItem(seenKey(account), String(Math.floor(at)))
}
