// Attack: take over a care node from its label. The local network named its care nodes
// care-1, care-2, care-3 and derived every key from the name: the libp2p peer key
// (sha256 of "salus/care-node/v1/<label>"), the proxy account and the Umbral key patients
// encrypt key fragments to. The labels are in the source, so anyone could rebuild those
// keys, impersonate the node's peer id, and open every key fragment sent to the proxy.
// The attacker here recomputes the old derivation for the labels the local network uses
// and compares it with what the running care nodes announce and the Registry lists.
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { sha256 } from '@noble/hashes/sha2.js'
import { SecretKeyFactory } from '@nucypher/umbral-pre'
import { bytesToHex, createPublicClient, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startLocalNetwork, type LocalNetwork } from '../../src/chain/deploy/localNetwork.ts'
import { listProviders } from '../../src/chain/listProviders.ts'
import { freePort } from '../../src/chain/deploy/freePort.ts'

const labels = ['care-1', 'care-2', 'care-3']

/** The derivation scripts/careNode.ts used for --seed-label, as an attacker would copy it. */
async function keysFromLabel(label: string) {
  const peerKey = await generateKeyPairFromSeed('Ed25519', sha256(new TextEncoder().encode(`salus/care-node/v1/${label}`)))
  const account = privateKeyToAccount(bytesToHex(sha256(new TextEncoder().encode(`salus/care-node-account/v1/${label}`))))
  const factory = SecretKeyFactory.fromSecureRandomness(sha256(new TextEncoder().encode(`salus/care-node-umbral/v1/${label}`)))
  const secretKey = factory.makeKey(new TextEncoder().encode('proxy'))
  const umbralPublicKey = bytesToHex(secretKey.publicKey().toCompressedBytes())
  return { peerId: peerIdFromPrivateKey(peerKey).toString(), address: account.address.toLowerCase(), umbralPublicKey }
}

describe('attack: rebuild a care node key from its label', () => {
  let network: LocalNetwork
  let dir: string

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'salus-attack-label-'))
    network = await startLocalNetwork({
      chainPort: await freePort(),
      carePorts: [await freePort(), await freePort(), await freePort()],
      withApp: false,
      configPath: path.join(dir, 'salus.config.json'),
      careStorageDir: path.join(dir, 'care'),
    })
  })

  afterAll(async () => {
    await network?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('the labels give neither the peer keys nor the proxy keys the Registry lists', async () => {
    const guessed = await Promise.all(labels.map(keysFromLabel))
    const listed = await listProviders(createPublicClient({ transport: http(network.urls.rpc) }), {
      registry: network.config.contracts.Registry.address,
      role: 'careNode',
    })
    expect(listed).toHaveLength(3)
    const peerIds = new Set(network.config.careNodes.map((node) => node.peerId))
    const addresses = new Set(listed.map((entry) => entry.account.toLowerCase()))
    const umbralKeys = new Set(listed.map((entry) => entry.umbralPublicKey.toLowerCase()))
    for (const guess of guessed) {
      expect(peerIds.has(guess.peerId), `peer id of ${guess.peerId} rebuilt from its label`).toBe(false)
      expect(addresses.has(guess.address), `proxy account ${guess.address} rebuilt from its label`).toBe(false)
      expect(umbralKeys.has(guess.umbralPublicKey), `proxy Umbral key rebuilt from its label`).toBe(false)
    }
    // The keys the Registry lists come from key files only the care node's user can read.
    for (const label of labels) expect(statSync(path.join(dir, 'care', label, 'care-node-keys.json')).mode & 0o777).toBe(0o600)
  })
})
