import { describe, expect, it } from 'vitest'
import { discoverWallets, type DiscoveredWallet } from '../../src/chain/discoverWallets.ts'

const provider = { request: async () => null }
const icon = 'data:image/svg+xml;base64,PHN2Zy8+'

function announceOnRequest(target: EventTarget, details: unknown[]) {
  target.addEventListener('eip6963:requestProvider', () => {
    for (const detail of details)
      target.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }))
  })
}

describe('discoverWallets', () => {
  it('lists each valid wallet once and drops malformed or unsafe announcements', () => {
    const target = new EventTarget()
    announceOnRequest(target, [
      { info: { uuid: 'a', name: 'Wallet A', icon, rdns: 'io.a' }, provider },
      { info: { uuid: 'a', name: 'Wallet A again', icon, rdns: 'io.a' }, provider },
      { info: { uuid: 'b', name: 'Wallet B', icon: 'https://evil.example/x.png', rdns: 'io.b' }, provider },
      { info: { uuid: 'c', name: '', icon, rdns: 'io.c' }, provider },
      { info: { uuid: 'd', name: 'x'.repeat(101), icon, rdns: 'io.d' }, provider },
      { info: { uuid: 'e', name: 'No provider', icon, rdns: 'io.e' }, provider: {} },
      'not an object',
    ])
    const found: DiscoveredWallet[] = []
    const stop = discoverWallets({ target, onWallet: (wallet) => found.push(wallet) })
    expect(found.map((wallet) => wallet.info.name)).toEqual(['Wallet A', 'Wallet B'])
    expect(found[0]?.info.icon).toBe(icon)
    expect(found[1]?.info.icon).toBe('')
    stop()
  })

  it('hears wallets that announce later, until stopped', () => {
    const target = new EventTarget()
    const found: string[] = []
    const stop = discoverWallets({ target, onWallet: (wallet) => found.push(wallet.info.uuid) })
    const announce = (uuid: string) =>
      target.dispatchEvent(
        new CustomEvent('eip6963:announceProvider', {
          detail: { info: { uuid, name: uuid, icon, rdns: uuid }, provider },
        }),
      )
    announce('late')
    stop()
    announce('after-stop')
    expect(found).toEqual(['late'])
  })
})
