import { describe, expect, it } from 'vitest'
import type { ConsentDelivery } from '../../../p2p/deliverProtocol.ts'
import { loadConsentInbox, saveConsentInbox, type IncomingConsent } from './consentInbox.ts'

const account = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
const delivery: ConsentDelivery = {
  v: 1,
  kind: 'consent',
  grant: {
    grantee: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
    scopesMask: 0b100010,
    expiry: 2_000_000_000,
    proxiesHash: '0x1234',
    threshold: 2,
    bundleCid: 'bafyreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  },
  pseudonym: '0xabcdef',
  proof: Array.from({ length: 8 }, (_, i) => `0x${(i + 1).toString(16)}` as const),
  patient: { peerId: '12D3KooWLoV1nVjZeMfzH2y5xtfnmav5Wv8uQnwrh7HjjdEMsVo5', addrs: ['/ip4/127.0.0.1/tcp/9101/ws/p2p/12D3KooWLoV1nVjZeMfzH2y5xtfnmav5Wv8uQnwrh7HjjdEMsVo5/p2p-circuit'] },
  label: 'Alice (cardiology referral)',
}

function memoryStorage() {
  const items = new Map<string, string>()
  return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value), items }
}

describe('the doctor’s consent inbox in localStorage', () => {
  it('round-trips consents per account, keeping accepted grant ids', () => {
    const storage = memoryStorage()
    const items: IncomingConsent[] = [{ id: delivery.grant.bundleCid, delivery, from: delivery.patient.peerId, received: '2026-11-22T02:00:00.000Z', grantId: '7' }]
    saveConsentInbox(account, items, storage)
    expect(loadConsentInbox(account, storage)).toEqual(items)
    // Another account of the same browser sees nothing of it.
    expect(loadConsentInbox('0x70997970C51812dc3A010C7d01b50e0d17dc79C8', storage)).toEqual([])
  })

  it('drops tampered entries and keeps the good ones', () => {
    const storage = memoryStorage()
    const good = { delivery, from: 'peer', received: '2026-11-22T02:00:00.000Z' }
    const tampered = [
      { ...good, delivery: { ...delivery, label: 'x'.repeat(65) } },
      { ...good, delivery: { ...delivery, proof: delivery.proof.slice(1) } },
      { ...good, delivery: { v: 1, kind: 'record', cid: delivery.grant.bundleCid } },
      { ...good, grantId: '1; drop' },
      'not an object',
    ]
    storage.setItem(`salus:${account.toLowerCase()}:consent-inbox`, JSON.stringify([...tampered, good]))
    const loaded = loadConsentInbox(account, storage)
    expect(loaded.map((item) => item.delivery.label)).toEqual([delivery.label, delivery.label])
    expect(loaded[0]!.grantId).toBeUndefined()
  })

  it('survives storage that is not JSON', () => {
    const storage = memoryStorage()
    storage.setItem(`salus:${account.toLowerCase()}:consent-inbox`, '{oops')
    expect(loadConsentInbox(account, storage)).toEqual([])
  })
})
