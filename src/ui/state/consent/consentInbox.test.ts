import { readFileSync } from 'node:fs'
import { numberToHex } from 'viem'
import { describe, expect, it } from 'vitest'
import { fixtureDeployment, fixtureGrant } from '../../../../test/fixtures/zk/consentFixtures.ts'
import { proxiesCommitment } from '../../../chain/consent/proxiesCommitment.ts'
import type { ConsentDelivery } from '../../../p2p/deliverProtocol.ts'
import { ConsentRefusedError, loadConsentInbox, receiveConsent, saveConsentInbox, type IncomingConsent } from './consentInbox.ts'

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

describe('the doctor’s inbox code path', () => {
  it('keeps a consent whose real proof fits, refuses others with a sentence, and keeps nothing of them', async () => {
    const read = (file: string) => JSON.parse(readFileSync(new URL(`../../../../${file}`, import.meta.url), 'utf8'))
    const fixture = read('test/fixtures/zk/consent-grant.json') as { publicSignals: string[]; packed: string[] }
    const genuine: ConsentDelivery = {
      ...delivery,
      grant: {
        grantee: fixtureGrant.grantee,
        scopesMask: fixtureGrant.scopesMask,
        expiry: fixtureGrant.expiry,
        proxiesHash: numberToHex(proxiesCommitment({ proxies: [...fixtureGrant.proxies], salt: fixtureGrant.salt })),
        threshold: fixtureGrant.threshold,
        bundleCid: fixtureGrant.bundleCid,
      },
      pseudonym: numberToHex(BigInt(fixture.publicSignals[0]!)),
      proof: fixture.packed.map((word) => numberToHex(BigInt(word))),
    }
    const check = { account: fixtureGrant.grantee, ...fixtureDeployment, vkey: async () => read('public/zk/consent.vkey.json') }
    const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)

    const kept = await receiveConsent([], genuine, 'peer', check)
    expect(kept?.map((item) => item.id)).toEqual([fixtureGrant.bundleCid])
    expect(await receiveConsent(kept!, genuine, 'peer', check)).toBeUndefined()

    for (const [forged, sentence] of [
      [{ ...genuine, grant: { ...genuine.grant, expiry: genuine.grant.expiry + 1 } }, /^This consent was refused\. Its proof does not fit its terms/],
      [{ ...genuine, pseudonym: '0x1234' as const }, /^This consent was refused\. Its proof does not fit its terms/],
      [delivery, /names another doctor/],
      [{ v: 1, kind: 'record', cid: fixtureGrant.bundleCid }, /Only consents/],
    ] as const) {
      const error = await refusal(receiveConsent([], forged, 'peer', check))
      expect(error).toBeInstanceOf(ConsentRefusedError)
      expect((error as ConsentRefusedError).shortMessage).toMatch(sentence)
    }
    await (globalThis as { curve_bn128?: { terminate(): Promise<void> } | null }).curve_bn128?.terminate()
  })
})
