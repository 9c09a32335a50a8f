// A care node's keys come from its key file: random, mode 0600, the same across restarts.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startCareNode } from '../../src/p2p/careNode.ts'
import { careNodeKeyFileName, loadOrCreateCareNodeKeys } from '../../src/p2p/careNodeKeyFile.ts'

describe('care node key file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'salus-care-keys-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('is made on first start with mode 0600 and gives the same identity on restart', async () => {
    const dataDir = path.join(dir, 'node-a')
    const first = await loadOrCreateCareNodeKeys(dataDir)
    expect(first.created).toBe(true)
    expect(statSync(first.file).mode & 0o777).toBe(0o600)
    const care = await startCareNode({ port: 0, peerKey: first.peerKey })
    const peerId = care.peerId
    await care.stop()

    const again = await loadOrCreateCareNodeKeys(dataDir)
    expect(again.created).toBe(false)
    expect(again.proxy.address).toBe(first.proxy.address)
    expect(again.proxy.umbralPublicKey).toBe(first.proxy.umbralPublicKey)
    const restarted = await startCareNode({ port: 0, peerKey: again.peerKey })
    expect(restarted.peerId).toBe(peerId)
    await restarted.stop()

    const other = await loadOrCreateCareNodeKeys(path.join(dir, 'node-b'))
    expect(other.proxy.address).not.toBe(first.proxy.address)
    expect(other.proxy.umbralPublicKey).not.toBe(first.proxy.umbralPublicKey)
    expect(other.peerKey.publicKey.toString()).not.toBe(first.peerKey.publicKey.toString())
  })

  it('refuses a key file others can read, and a damaged one, with what to do', async () => {
    const dataDir = path.join(dir, 'node-c')
    const { file } = await loadOrCreateCareNodeKeys(dataDir)
    chmodSync(file, 0o644)
    await expect(loadOrCreateCareNodeKeys(dataDir)).rejects.toMatchObject({ name: 'CareNodeKeyFileError', shortMessage: expect.stringMatching(/can be read by other users.*chmod 600/) })
    const damaged = path.join(dir, 'node-d')
    await loadOrCreateCareNodeKeys(damaged)
    writeFileSync(path.join(damaged, careNodeKeyFileName), '{"v":1}', { mode: 0o600 })
    await expect(loadOrCreateCareNodeKeys(damaged)).rejects.toMatchObject({ name: 'CareNodeKeyFileError', shortMessage: expect.stringMatching(/lacks a key/) })
  })
})
