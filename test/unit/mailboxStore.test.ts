import { MemoryDatastore } from 'datastore-core'
import { describe, expect, it } from 'vitest'
import { MailboxStore } from '../../src/p2p/mailboxStore.ts'
import { MailboxError, maxMailboxPayloadBytes, maxMailboxTtlSeconds } from '../../src/p2p/mailboxProtocol.ts'

const address = (n: number) => Uint8Array.from({ length: 33 }, (_, i) => (i === 0 ? 2 : n))

describe('care-node mailbox store', () => {
  it('caps lifetimes at 30 days, drops expired entries at take and sweep, and pages takes', async () => {
    let now = 1_000_000
    const store = new MailboxStore({ datastore: new MemoryDatastore(), now: () => now })
    const long = await store.put(address(1), new Uint8Array([1]), 10 * maxMailboxTtlSeconds, 'peer-a')
    expect(long.expires).toBe(now + maxMailboxTtlSeconds)
    await store.put(address(1), new Uint8Array([2]), 60, 'peer-a')
    expect((await store.take(address(1))).entries).toHaveLength(2)
    now += 61
    expect((await store.take(address(1))).entries.map((e) => e.id)).toEqual([long.id])
    expect(await store.sweep()).toBe(1)
    // Paging: as many as fit in one message, then `more`.
    const big = new Uint8Array(maxMailboxPayloadBytes - 10)
    await store.put(address(2), big, 60, 'peer-b')
    await store.put(address(2), big.slice(0, 100).fill(7), 60, 'peer-b')
    const first = await store.take(address(2))
    expect([first.entries.length, first.more]).toEqual([1, true])
    const second = await store.take(address(2), first.entries[0]!.id)
    expect([second.entries.length, second.more]).toEqual([1, false])
  })

  it('refuses beyond the per-address, per-sender and total quotas, and survives a new store on the same datastore', async () => {
    const datastore = new MemoryDatastore()
    const store = new MailboxStore({ datastore, quota: { entriesPerAddress: 2, entriesPerSenderPerHour: 3, totalBytes: 10 } })
    await store.put(address(1), new Uint8Array([1]), 60, 'peer-a')
    await store.put(address(1), new Uint8Array([2]), 60, 'peer-a')
    await expect(store.put(address(1), new Uint8Array([3]), 60, 'peer-b')).rejects.toMatchObject({ code: 'quota-exceeded' })
    await store.put(address(2), new Uint8Array([3]), 60, 'peer-a')
    await expect(store.put(address(3), new Uint8Array([4]), 60, 'peer-a')).rejects.toThrow(MailboxError)
    await expect(store.put(address(3), new Uint8Array(8), 60, 'peer-c')).rejects.toMatchObject({ code: 'quota-exceeded', details: expect.stringMatching(/mailboxes are full/) })
    const again = new MailboxStore({ datastore })
    expect((await again.take(address(1))).entries.map((e) => e.payload[0]).sort()).toEqual([1, 2])
    expect(await again.ack(address(1), [(await again.take(address(1))).entries[0]!.id])).toBe(1)
    expect((await again.take(address(1))).entries).toHaveLength(1)
  })
})
