import { describe, expect, it } from 'vitest'
import { emptyExtras, loadSeenReads, loadStoredCard, saveSeenReads, saveStoredCard, type StoredCard } from './cardStorage.ts'
import { shortBloodGroup, viewOfMinimum } from './emergencyView.ts'

function memoryStorage(): Pick<Storage, 'getItem' | 'setItem'> & { items: Map<string, string> } {
  const items = new Map<string, string>()
  return { items, getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) }
}

const account = '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f'
const vaultKey = new Uint8Array(32).fill(7)

describe('the emergency card kept on this device', () => {
  const card: StoredCard = {
    qrText: 'http://localhost:5173/#card:123456',
    grantId: 12n,
    open: false,
    publishedAt: 1_760_000_000,
    extras: { bloodGroup: 'A+', implants: ['Pacemaker'], advanceDirectives: ['No DNR'], contacts: [{ name: 'Tom', relationship: 'husband', phone: '+49 30 1' }] },
    retired: [3n, 7n],
  }

  it('round-trips, sealed: the QR text (it holds the card secret) is not stored in the clear', () => {
    const storage = memoryStorage()
    saveStoredCard(storage, account, vaultKey, card)
    expect(loadStoredCard(storage, account, vaultKey)).toEqual(card)
    const raw = [...storage.items.values()].join('')
    expect(raw).not.toContain('card:123456')
    expect(raw).not.toContain('Pacemaker')
  })

  it('reads as "no card yet" under another vault key, when altered, or when missing', () => {
    const storage = memoryStorage()
    saveStoredCard(storage, account, vaultKey, card)
    const empty = { open: false, extras: emptyExtras(), retired: [] }
    expect(loadStoredCard(storage, account, new Uint8Array(32).fill(8))).toEqual(empty)
    const [key, value] = [...storage.items.entries()][0]!
    storage.items.set(key, value.slice(0, -2) + (value.endsWith('00') ? '11' : '00'))
    expect(loadStoredCard(storage, account, vaultKey)).toEqual(empty)
    expect(loadStoredCard(memoryStorage(), account, vaultKey)).toEqual(empty)
  })

  it('remembers the newest read the patient was told about, per account', () => {
    const storage = memoryStorage()
    expect(loadSeenReads(storage, account)).toBe(0)
    saveSeenReads(storage, account, 1_760_000_123.7)
    expect(loadSeenReads(storage, account)).toBe(1_760_000_123)
    expect(loadSeenReads(storage, '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720')).toBe(0)
  })
})

describe('the crew view of the minimum in the QR', () => {
  it('has the full view’s shape, with what the QR carries', () => {
    const view = viewOfMinimum({ allergies: ['Penicillin'], medications: ['Metformin 500 mg'], problems: ['Type 2 diabetes'], bloodGroup: 'A+', contact: { name: 'Tom', relation: 'husband', phone: '+49 30 1' }, updatedAt: '2026-12-07T02:00:00.000Z' })
    expect(view.allergies).toEqual([{ text: 'Penicillin' }])
    expect(view.medications).toEqual([{ text: 'Metformin 500 mg' }])
    expect(view.problems).toEqual([{ text: 'Type 2 diabetes' }])
    expect(view.bloodGroup).toEqual({ text: 'A+' })
    expect(view.contacts).toEqual([{ name: 'Tom', relation: 'husband', phone: '+49 30 1' }])
    expect(view.lastUpdated).toBe('2026-12-07T02:00:00.000Z')
    expect(view.devices).toEqual([])
  })

  it('shows SNOMED blood group names short', () => {
    expect(shortBloodGroup('Blood group A Rh(D) positive')).toBe('A+')
    expect(shortBloodGroup('Blood group AB Rh(D) negative')).toBe('AB−')
    expect(shortBloodGroup('O+')).toBe('O+')
  })
})

describe('a card read from a link or a QR', () => {
  it('keeps the card: prefix core/emergency reads, from any of the forms a card arrives in', async () => {
    const { cardTextOf } = await import('./ResponderState.svelte.ts')
    expect(cardTextOf('http://localhost:5173/#card:0123')).toBe('card:0123')
    expect(cardTextOf('#card:0123')).toBe('card:0123')
    expect(cardTextOf(' card:0123 ')).toBe('card:0123')
    expect(cardTextOf('#card%3A0123'.replace('%3A', ':'))).toBe('card:0123')
  })
})
