import { describe, expect, it } from 'vitest'
import { passkeyName, passkeyUserHandle, parsePasskeyUserHandle } from '../../src/crypto/passkeyPrf.ts'
import { readAccountKeyRecord, writeAccountKeyRecord } from '../../src/store/accountKeyRecord.ts'
import { InvalidKeyVersionError } from '../../src/crypto/keyVersion.ts'

const account = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  }
}

describe('Salus passkey user handle', () => {
  it('holds the account and the key version, and nothing else parses as one', () => {
    const handle = passkeyUserHandle(account, 7)
    expect(handle).toHaveLength(24)
    expect(parsePasskeyUserHandle(handle)).toEqual({ account, keyVersion: 7 })
    expect(parsePasskeyUserHandle(handle.slice(0, 23))).toBeUndefined()
    const zeroVersion = handle.slice()
    zeroVersion.fill(0, 20)
    expect(parsePasskeyUserHandle(zeroVersion)).toBeUndefined()
    expect(() => passkeyUserHandle(account, 0)).toThrow(InvalidKeyVersionError)
    expect(passkeyName(account, 2)).toBe('Salus 0x7099…79C8 (keys v2)')
  })
})

describe('account key record', () => {
  it('round-trips, and a damaged or partial record reads as none (the first-use check runs again)', () => {
    const storage = memoryStorage()
    expect(readAccountKeyRecord(account, storage)).toBeUndefined()
    writeAccountKeyRecord(account, { keyVersion: 2, credentialId: 'AAAAAAAAAAAAAAAAAAAAAA', checked: true }, storage)
    expect(readAccountKeyRecord(account.toLowerCase() as `0x${string}`, storage)).toEqual({ keyVersion: 2, credentialId: 'AAAAAAAAAAAAAAAAAAAAAA', checked: true })
    const key = `salus:keys:${account.toLowerCase()}`
    for (const bad of ['{', '{"keyVersion":0,"checked":true}', '{"keyVersion":1}', '{"keyVersion":1,"checked":true,"credentialId":"<script>"}']) {
      storage.setItem(key, bad)
      expect(readAccountKeyRecord(account, storage)).toBeUndefined()
    }
  })
})
