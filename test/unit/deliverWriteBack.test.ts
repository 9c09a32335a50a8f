import { describe, expect, it } from 'vitest'
import { maxWriteBackBytes } from '../../src/core/careLoop/writeBack.ts'
import { parseDelivery } from '../../src/p2p/deliverProtocol.ts'
import { parseMailboxRequest } from '../../src/p2p/mailboxProtocol.ts'

describe('write-back deliveries and mailbox requests are validated', () => {
  it('a write-back delivery carries only sealed bytes within the limit', () => {
    expect(parseDelivery({ v: 1, kind: 'write-back', item: new Uint8Array([1, 2]) })).toEqual({ v: 1, kind: 'write-back', item: new Uint8Array([1, 2]) })
    expect(() => parseDelivery({ v: 1, kind: 'write-back', item: new Uint8Array([1]), grantId: 5 })).toThrow(/unexpected field grantId/)
    expect(() => parseDelivery({ v: 1, kind: 'write-back', item: 'text' })).toThrow(/item must be bytes/)
    expect(() => parseDelivery({ v: 1, kind: 'write-back', item: new Uint8Array(maxWriteBackBytes + 1) })).toThrow(expect.objectContaining({ code: 'too-large' }))
  })

  it('mailbox requests: addresses are compressed keys, ids hex, signatures 64 bytes, nothing extra', () => {
    const address = Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 3 : 1))
    expect(parseMailboxRequest({ v: 1, op: 'put', to: address, payload: new Uint8Array([1]), ttl: 60 })).toMatchObject({ op: 'put', ttl: 60 })
    const bad = [
      { v: 1, op: 'put', to: new Uint8Array(33), payload: new Uint8Array([1]), ttl: 60 },
      { v: 1, op: 'put', to: address, payload: new Uint8Array([1]), ttl: 0 },
      { v: 1, op: 'put', to: address, payload: new Uint8Array([1]), ttl: 60, from: 'me' },
      { v: 1, op: 'take', address, node: 'x', at: 1, nonce: new Uint8Array(16), sig: new Uint8Array(63) },
      { v: 1, op: 'ack', address, node: 'x', at: 1, nonce: new Uint8Array(16), sig: new Uint8Array(64), ids: ['nothex'] },
      { v: 1, op: 'delete', address },
      { v: 2, op: 'put', to: address, payload: new Uint8Array([1]), ttl: 60 },
    ]
    for (const request of bad) expect(() => parseMailboxRequest(request), JSON.stringify(Object.keys(request))).toThrow(expect.objectContaining({ name: 'MailboxError', code: 'malformed' }))
  })
})
