import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { decodeAnswer, decodeWant, encodeAnswer, encodeWant, maxWantBytes } from '../../src/p2p/blockProtocol.ts'

const cid = CID.createV1(raw.code, await sha256.digest(new Uint8Array([1, 2, 3])))

describe('/salus/blocks/1.0.0 messages', () => {
  it('round-trips wants and every kind of answer; a want fits its limit', () => {
    const want = encodeWant({ id: 2 ** 40, want: cid })
    expect(want.byteLength).toBeLessThan(maxWantBytes)
    const decoded = decodeWant(want)
    expect(decoded.id).toBe(2 ** 40)
    expect(decoded.want.equals(cid)).toBe(true)
    expect(decodeAnswer(encodeAnswer({ id: 1, block: new Uint8Array([9]) }))).toEqual({ id: 1, block: new Uint8Array([9]) })
    expect(decodeAnswer(encodeAnswer({ id: 1, missing: true }))).toEqual({ id: 1, missing: true })
    expect(decodeAnswer(encodeAnswer({ id: 1, refused: 'too-many-wants' }))).toEqual({ id: 1, refused: 'too-many-wants' })
  })

  it.each([
    ['not dag-cbor', new Uint8Array([0xff, 0x00])],
    ['a list', dagCbor.encode([1, cid])],
    ['a negative id', dagCbor.encode({ id: -1, want: cid })],
    ['a fractional id', dagCbor.encode({ id: 1.5, want: cid })],
    ['a string for a CID', dagCbor.encode({ id: 1, want: cid.toString() })],
    ['an extra field', dagCbor.encode({ id: 1, want: cid, also: 1 })],
  ])('refuses a want that is %s with PeerMessageError malformed', (_, bytes) => {
    expect(() => decodeWant(bytes)).toThrow(expect.objectContaining({ name: 'PeerMessageError', code: 'malformed' }))
  })

  it.each([
    ['two kinds at once', dagCbor.encode({ id: 1, block: new Uint8Array(1), missing: true })],
    ['an unknown refusal', dagCbor.encode({ id: 1, refused: 'go-away' })],
    ['missing: false', dagCbor.encode({ id: 1, missing: false })],
    ['a block that is not bytes', dagCbor.encode({ id: 1, block: 'abc' })],
    ['no id', dagCbor.encode({ block: new Uint8Array(1) })],
  ])('refuses an answer with %s with PeerMessageError malformed', (_, bytes) => {
    expect(() => decodeAnswer(bytes)).toThrow(expect.objectContaining({ name: 'PeerMessageError', code: 'malformed' }))
  })
})
