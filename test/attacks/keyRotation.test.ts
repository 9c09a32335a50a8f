/**
 * Attack: the patient's keys leaked (malware read them, or a phishing copy derived them
 * before passkeys bound keys to the Salus origin). The thief keeps the old keys and a
 * grant's key fragments made from them, plus a copy of every block the patient ever
 * publishes. The patient rotates to the next key version. After that the thief must
 * open nothing: not the re-sealed records, not records added later, not the index, not
 * a backup, and the old grant's fragments must re-encrypt nothing new. A control step
 * first shows the stolen keys do open the vault before the rotation (today, with no
 * rotation, they keep opening everything the patient adds).
 */
import { describe, expect, it } from 'vitest'
import { memoryBlockAccess } from '../../src/core/blocks.ts'
import { buildAllergy, buildCondition, buildNote } from '../../src/core/fhir/recordForms.ts'
import { openRecord } from '../../src/core/envelope/openRecord.ts'
import { deriveKeys, type SalusKeys } from '../../src/core/keys/deriveKeys.ts'
import { Vault } from '../../src/core/vault/Vault.ts'
import { readBackupArchive } from '../../src/core/vault/backupArchive.ts'
import { memoryRecordIndex } from '../../src/core/vault/memoryRecordIndex.ts'
import { gateRecordIndex, KeyRotationInProgressError, rotateVaultKeys } from '../../src/core/vault/rotateVaultKeys.ts'
import { CID } from 'multiformats/cid'
import { loadUmbral, receivingSecretKey, recordSigner, unwrapDataKey, unwrapReencryptedDataKey } from '../../src/crypto/umbral.ts'
import { scopeSecretKey } from '../../src/core/keys/scopeSecretKey.ts'

const signature = Uint8Array.from({ length: 65 }, (_, i) => (i === 64 ? 28 : (i * 31 + 9) & 255))
const prf = (version: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 17 + version * 101) & 255)
/** Version n: the wallet signature for n and the PRF output of the passkey made for n. */
const keysAt = (keyVersion: number): SalusKeys => deriveKeys(signature, { keyVersion, passkeyPrf: prf(keyVersion) })

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  return Uint8Array.from(parts.flatMap((part) => [...part]))
}

describe('after a key rotation the old keys open nothing', () => {
  it('re-seals every record and the index; stolen keys and old-grant fragments fail on all of it', async () => {
    const umbral = await loadUmbral()
    const blocks = memoryBlockAccess()
    const index = memoryRecordIndex()
    const stolen = keysAt(1)
    const before = await Vault.open({ keys: stolen, blocks, index })
    await before.addRecord({ resource: buildCondition({ name: 'Asthma', onset: '2015-03-02' }), source: 'form' })
    const note = new TextEncoder().encode('scan report, page 1')
    await before.addRecord({
      resource: buildNote({ title: 'Scan', text: 'See attachment', date: '2024-02-01', attachment: { contentType: 'text/plain', size: note.byteLength, title: 'scan.txt' } }),
      source: 'import',
      attachment: { name: 'scan.txt', contentType: 'text/plain', size: note.byteLength, source: [note] },
    })
    const oldSummaries = before.list()

    // The thief's old grant: fragments from the old allergies/conditions scope key to their own key.
    const thief = receivingSecretKey(new Uint8Array(32).fill(9))
    const fragmentsFor = (scope: string) =>
      umbral.generateKFrags(scopeSecretKey(stolen.preMasterSeed, scope as never, 0), thief.publicKey(), recordSigner(stolen.preMasterSeed).signer, 1, 1, true, true)

    // Control: before the rotation the stolen keys open the vault.
    const control = await Vault.open({ keys: stolen, blocks, index })
    expect(control.list().map((s) => s.cid)).toEqual(oldSummaries.map((s) => s.cid))
    expect((await control.openRecord(oldSummaries[0]!.cid)).resource.resourceType).toBeTruthy()

    const next = keysAt(2)
    const progress: number[] = []
    const { resealed } = await rotateVaultKeys({ from: before, keys: next, blocks, index, onProgress: (done) => progress.push(done) })
    expect(resealed).toBe(2)
    expect(progress).toEqual([0, 1, 2])

    const after = await Vault.open({ keys: next, blocks, index })
    await after.addRecord({ resource: buildAllergy({ substance: 'Penicillin', reaction: 'Hives', severity: 'moderate', onset: '2010' }), source: 'form' })
    const newSummaries = after.list()
    expect(newSummaries).toHaveLength(3)
    // Same records, same dates and sources, new envelopes.
    for (const old of oldSummaries) {
      const moved = newSummaries.find((s) => s.title === old.title)!
      expect(moved.cid).not.toBe(old.cid)
      expect(moved.created).toBe(old.created)
      expect(moved.source).toBe(old.source)
      expect(moved.anchor).toBeUndefined()
    }
    const scan = await after.openRecord(newSummaries.find((s) => s.title === 'Scan')!.cid)
    expect(new TextDecoder().decode(await collect(scan.attachment!.read()))).toBe('scan report, page 1')

    // 1. The index does not open with the stolen vault key.
    await expect(Vault.open({ keys: stolen, blocks, index })).rejects.toThrow()
    // 2. No envelope sealed since the rotation opens with the stolen scope keys, at any epoch the thief tries.
    for (const summary of newSummaries) {
      for (const epoch of [0, 1, 2]) {
        const scopeKey = scopeSecretKey(stolen.preMasterSeed, summary.scope, epoch)
        await expect(
          openRecord(blocks, { cid: CID.parse(summary.cid), unwrapKey: (capsule, wrapped) => unwrapDataKey(scopeKey, capsule, wrapped) }),
        ).rejects.toThrow()
      }
    }
    // 3. The old grant's fragments re-encrypt nothing the thief can open.
    for (const summary of newSummaries) {
      const delegating = scopeSecretKey(stolen.preMasterSeed, summary.scope, 0)
      const [kfrag] = fragmentsFor(summary.scope)
      await expect(
        openRecord(blocks, {
          cid: CID.parse(summary.cid),
          unwrapKey: (capsuleBytes, wrapped) => {
            const capsule = umbral.Capsule.fromBytes(capsuleBytes)
            const cfrag = umbral.reencrypt(capsule, kfrag!)
            return unwrapReencryptedDataKey(thief, delegating.publicKey(), capsuleBytes, [cfrag], wrapped)
          },
        }),
      ).rejects.toThrow()
    }
    // 4. A backup made after the rotation does not open with the stolen vault key.
    const archive = await collect(after.backup())
    const readWithStolenKey = async () => {
      for await (const item of readBackupArchive(stolen.vaultKey, archive)) void item
    }
    await expect(readWithStolenKey()).rejects.toThrow()
    const readWithNewKey = async () => {
      let entries = 0
      for await (const item of readBackupArchive(next.vaultKey, archive)) if (item.kind === 'entry') entries++
      return entries
    }
    expect(await readWithNewKey()).toBe(3)
    // 5. The identity and peer key moved too: nothing the thief derives matches.
    expect(next.identitySecret).not.toBe(stolen.identitySecret)
    expect(next.peerKeySeed).not.toEqual(stolen.peerKeySeed)
  })

  it('leaves the old vault whole when the index cannot be replaced', async () => {
    const blocks = memoryBlockAccess()
    const index = memoryRecordIndex()
    const keys = keysAt(1)
    const vault = await Vault.open({ keys, blocks, index })
    await vault.addRecord({ resource: buildCondition({ name: 'Asthma', onset: '2015-03-02' }), source: 'form' })
    const failing = { ...index, replaceAll: async () => Promise.reject(new Error('disk full')) }
    await expect(rotateVaultKeys({ from: vault, keys: keysAt(2), blocks, index: failing })).rejects.toThrow(/records are unchanged/)
    const reopened = await Vault.open({ keys, blocks, index })
    expect(reopened.list().map((s) => s.title)).toEqual(['Asthma'])
  })

  it('refuses writes by the old vault while the rotation runs, so no row under the old key is lost or mixed in', async () => {
    const blocks = memoryBlockAccess()
    const store = memoryRecordIndex()
    const index = gateRecordIndex(store)
    const keys = keysAt(1)
    const vault = await Vault.open({ keys, blocks, index })
    await vault.addRecord({ resource: buildCondition({ name: 'Asthma', onset: '2015-03-02' }), source: 'form' })
    index.hold()
    const rotation = rotateVaultKeys({ from: vault, keys: keysAt(2), blocks, index: index.inner })
    await expect(vault.addRecord({ resource: buildCondition({ name: 'Migraine', onset: '2019-01-01' }), source: 'form' })).rejects.toBeInstanceOf(
      KeyRotationInProgressError,
    )
    await rotation
    const after = await Vault.open({ keys: keysAt(2), blocks, index: store })
    expect(after.list().map((s) => s.title)).toEqual(['Asthma'])
  })
})
