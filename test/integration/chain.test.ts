import type { ChildProcess } from 'node:child_process'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { createPublicClient, http, numberToHex, type EIP1193Provider, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAccountClients } from '../../src/chain/accountClients.ts'
import { anchorBatch } from '../../src/chain/anchorBatch.ts'
import { chainAnchorer } from '../../src/chain/chainAnchorer.ts'
import { createSalusClients } from '../../src/chain/createSalusClients.ts'
import { getAnchoredBatches } from '../../src/chain/getAnchoredBatches.ts'
import { hasRegistryRole } from '../../src/chain/hasRegistryRole.ts'
import { listProviders } from '../../src/chain/listProviders.ts'
import type { NetworkConfig } from '../../src/chain/networkConfig.ts'
import { readBatch } from '../../src/chain/readBatch.ts'
import { readProvider } from '../../src/chain/readProvider.ts'
import { registerProvider } from '../../src/chain/registerProvider.ts'
import { updateProvider } from '../../src/chain/updateProvider.ts'
import { verifyAnchor } from '../../src/chain/verifyAnchor.ts'
import { anchorLeaf, merkleProof, merkleRoot } from '../../src/core/anchor/merkle.ts'
import { anvilAccount, deploySalus, demoUmbralPublicKey } from '../../src/chain/deploy/deploySalus.ts'
import { privateKeyToAccount } from 'viem/accounts'
import { freePort } from '../../src/chain/deploy/freePort.ts'
import { spawnDevTool } from '../../src/chain/deploy/devTools.ts'
import { ChainUnreachableError, ContractRefusedError } from '../../src/chain/chainErrors.ts'

let anvil: ChildProcess
let config: NetworkConfig

async function startAnvil(): Promise<string> {
  const port = await freePort()
  const launched = spawnDevTool('anvil', ['--port', String(port), '--silent'], { stdio: 'ignore' })
  anvil = launched.child
  await launched.started
  const rpcUrl = `http://127.0.0.1:${port}`
  const probe = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await probe.getChainId()
      return rpcUrl
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error('anvil did not start')
}

async function recordCid(i: number): Promise<CID> {
  return CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(`envelope ${i}`)))
}

beforeAll(async () => {
  const rpcUrl = await startAnvil()
  config = await deploySalus({ rpcUrl, privateKey: anvilAccount(0).privateKey, seed: true })
})

afterAll(() => {
  anvil?.kill()
})

describe('deploy with seed', () => {
  it('writes a config with both contracts and the thirteen demo accounts', async () => {
    expect(config.chainId).toBe(31337)
    expect(config.contracts.Registry.deployBlock).toBeGreaterThan(0)
    expect(config.contracts.Anchors.deployBlock).toBeGreaterThan(config.contracts.Registry.deployBlock)
    expect(config.localAccounts).toHaveLength(17)
    // The newcomers beyond anvil's ten have gas to list themselves or act as a new authority.
    const balance = await createSalusClients(config).publicClient.getBalance({ address: config.localAccounts![12]!.address })
    expect(balance).toBeGreaterThan(10n ** 18n)
    expect(config.localAccounts?.[8]).toMatchObject({ label: 'Alice', role: 'patient' })
  })

  it('lists the three seeded doctors in the directory', async () => {
    const { publicClient } = createSalusClients(config)
    const doctors = await listProviders(publicClient, { registry: config.contracts.Registry.address, role: 'doctor' })
    expect(doctors.map((d) => d.name)).toEqual(['Dr. Amara Okafor', 'Dr. Lukas Weber', 'Dr. Sofia Rossi'])
    expect(doctors[0]).toMatchObject({ specialty: 'Cardiology', active: true, account: anvilAccount(2).account.address })
    expect(doctors[0]?.umbralPublicKey).toBe(demoUmbralPublicKey('Dr. Amara Okafor'))
  })

  it('certifies and lists the demo pharmacist, certified by the pharmacy council', async () => {
    const { publicClient } = createSalusClients(config)
    const registry = config.contracts.Registry.address
    const paula = anvilAccount(16).account.address
    expect(config.localAccounts?.[15]).toMatchObject({ label: 'Pharmacy Council', role: 'pharmacy authority' })
    expect(await hasRegistryRole(publicClient, { registry, role: 'pharmacyAuthority', account: anvilAccount(15).account.address })).toBe(true)
    expect(await hasRegistryRole(publicClient, { registry, role: 'pharmacist', account: paula })).toBe(true)
    expect(await hasRegistryRole(publicClient, { registry, role: 'pharmacist', account: anvilAccount(2).account.address })).toBe(false)
    const pharmacists = await listProviders(publicClient, { registry, role: 'pharmacist' })
    expect(pharmacists).toHaveLength(1)
    expect(pharmacists[0]).toMatchObject({ name: 'Pharmacist Paula Reyes, Riverside Pharmacy', hospital: 'Riverside Pharmacy', active: true, account: paula })
    expect(pharmacists[0]?.umbralPublicKey).toBe(demoUmbralPublicKey('Pharmacist Paula Reyes, Riverside Pharmacy'))
    expect(await publicClient.getBalance({ address: paula })).toBeGreaterThan(10n ** 18n)
  })

  it('gives the EMS crew member the responder role and nobody else', async () => {
    const { publicClient } = createSalusClients(config)
    const registry = config.contracts.Registry.address
    expect(await hasRegistryRole(publicClient, { registry, role: 'responder', account: anvilAccount(6).account.address })).toBe(true)
    expect(await hasRegistryRole(publicClient, { registry, role: 'responder', account: anvilAccount(8).account.address })).toBe(false)
  })
})

describe('anchoring', () => {
  it('anchors a TypeScript Merkle root and verifies a record proof on chain', async () => {
    const leaves = await Promise.all(Array.from({ length: 7 }, async (_, i) => anchorLeaf(await recordCid(i))))
    const rootHash = merkleRoot(leaves)
    const patient = privateKeyToAccount(anvilAccount(8).privateKey)
    const { publicClient, walletClient } = createSalusClients(config, patient)
    const anchors = config.contracts.Anchors.address

    const anchored = await anchorBatch(walletClient, { anchors, root: rootHash, count: leaves.length })
    expect(anchored.batchId).toBe(1n)
    const block = await publicClient.getBlock({ blockNumber: anchored.blockNumber })
    expect(anchored.timestamp).toBe(Number(block.timestamp))

    const batch = await readBatch(publicClient, { anchors, batchId: anchored.batchId })
    expect(batch).toMatchObject({ root: rootHash, count: 7, submitter: patient.address, timestamp: anchored.timestamp })

    for (const index of [0, 3, 6]) {
      const proof = merkleProof(leaves, index)
      expect(await verifyAnchor(publicClient, { anchors, batchId: anchored.batchId, leaf: leaves[index]!, proof })).toBe(true)
    }
    const stranger = anchorLeaf(await recordCid(99))
    expect(await verifyAnchor(publicClient, { anchors, batchId: anchored.batchId, leaf: stranger, proof: merkleProof(leaves, 0) })).toBe(false)
  })

  it('serves the vault as its Anchorer', async () => {
    const { publicClient, walletClient } = createSalusClients(config, privateKeyToAccount(anvilAccount(9).privateKey))
    const anchorer = chainAnchorer({ publicClient, walletClient, anchors: config.contracts.Anchors.address })
    expect(anchorer.chainId).toBe(31337)
    const rootHash = merkleRoot([anchorLeaf(await recordCid(1000))])
    const anchored = await anchorer.anchor(rootHash, 1)
    expect(anchored.batchId).toMatch(/^[1-9]\d*$/)
    expect(await anchorer.readRoot(anchored.batchId)).toEqual({ root: rootHash, timestamp: anchored.timestamp })
    expect(await anchorer.readRoot('424242')).toBeUndefined()
    expect(await anchorer.readRoot('0x01')).toBeUndefined()
  })

  it('lists a patient\'s anchored batches from the deploy block', async () => {
    const { publicClient } = createSalusClients(config)
    const anchors = config.contracts.Anchors.address
    const fromBlock = BigInt(config.contracts.Anchors.deployBlock)
    const alice = anvilAccount(8).account.address
    const { batches, toBlock } = await getAnchoredBatches(publicClient, { anchors, fromBlock, submitter: alice, blockRange: 2n })
    expect(batches.map((b) => [b.batchId, b.count, b.submitter])).toEqual([[1n, 7, alice]])
    expect(toBlock).toBe(await publicClient.getBlockNumber())
    const all = await getAnchoredBatches(publicClient, { anchors, fromBlock })
    expect(all.batches.map((b) => b.batchId)).toEqual([1n, 2n])
  })

  it('reports an unknown batch as the contract error', async () => {
    const { publicClient } = createSalusClients(config)
    const error = await readBatch(publicClient, { anchors: config.contracts.Anchors.address, batchId: 999n }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ContractRefusedError)
    expect((error as ContractRefusedError).errorName).toBe('Anchors__UnknownBatch')
  })
})

describe('directory', () => {
  const profile = {
    name: 'Mallory',
    specialty: 'None',
    licenceNumberHash: `0x${'11'.repeat(32)}` as Hex,
    hospital: 'Nowhere',
    umbralPublicKey: demoUmbralPublicKey('Mallory'),
    peerId: '',
    multiaddrs: [],
  }

  it('keeps a patient who lists themself as a doctor out of the directory (an application)', async () => {
    const { walletClient, publicClient } = createSalusClients(config, privateKeyToAccount(anvilAccount(9).privateKey))
    const registry = config.contracts.Registry.address
    await registerProvider(walletClient, { registry, role: 'doctor', profile })
    const doctors = await listProviders(publicClient, { registry, role: 'doctor', includeInactive: true })
    expect(doctors.map((d) => d.name)).not.toContain('Mallory')
    expect(await readProvider(publicClient, { registry, account: anvilAccount(9).account.address })).toMatchObject({ name: 'Mallory', active: false })
  })

  it('lets a doctor publish a new peer ID', async () => {
    const doctor = privateKeyToAccount(anvilAccount(3).privateKey)
    const { publicClient, walletClient } = createSalusClients(config, doctor)
    const registry = config.contracts.Registry.address
    const before = await readProvider(publicClient, { registry, account: doctor.address })
    expect(before).toBeDefined()
    const { account: _a, role: _r, active: _x, ...current } = before!
    await updateProvider(walletClient, { registry, profile: { ...current, peerId: '12D3KooWDoctorWeber', multiaddrs: ['/ip4/127.0.0.1/tcp/4001/ws'] } })
    expect(await readProvider(publicClient, { registry, account: doctor.address })).toMatchObject({ peerId: '12D3KooWDoctorWeber' })
    expect(await readProvider(publicClient, { registry, account: anvilAccount(8).account.address })).toBeUndefined()
  })
})

describe('unreachable chain', () => {
  it('says the local network is not running', async () => {
    const port = await freePort()
    const { publicClient } = createSalusClients({ ...config, rpcUrl: `http://127.0.0.1:${port}` })
    const error = await readBatch(publicClient, { anchors: config.contracts.Anchors.address, batchId: 1n }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ChainUnreachableError)
    expect((error as ChainUnreachableError).shortMessage).toContain('npm start')
  })
})

/**
 * A browser wallet, as EIP-1193 sees it, whose account is one of anvil's unlocked ones:
 * it starts on mainnet and does not know the local chain until asked to add it
 * (EIP-3085), refuses to switch to an unknown chain with 4902 (EIP-3326), and sends
 * transactions only while it is on the local chain. Everything else goes to anvil.
 */
function walletOnAnotherChain(rpcUrl: string, localChainId: number) {
  let chainId = 1
  const known = new Set([1])
  const methods: string[] = []
  const fail = (message: string, code: number) => Object.assign(new Error(message), { code })
  const provider = {
    on() {},
    removeListener() {},
    async request({ method, params }: { method: string; params?: unknown }) {
      methods.push(method)
      const [first] = (params ?? []) as { chainId?: Hex }[]
      if (method === 'eth_chainId') return numberToHex(chainId)
      if (method === 'wallet_switchEthereumChain') {
        const id = Number(first?.chainId)
        if (!known.has(id)) throw fail('Unrecognized chain ID', 4902)
        chainId = id
        return null
      }
      if (method === 'wallet_addEthereumChain') {
        known.add(Number(first?.chainId))
        return null
      }
      if (method === 'eth_sendTransaction' && chainId !== localChainId) throw fail('The wallet is on another chain', 4901)
      const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
      const body = (await response.json()) as { result?: unknown; error?: { message: string; code: number } }
      if (body.error) throw fail(body.error.message, body.error.code)
      return body.result
    },
  }
  return { provider: provider as unknown as EIP1193Provider, methods, chainId: () => chainId }
}

describe('account clients', () => {
  it('ensureChain moves a browser wallet on another network to the configured chain, adding it first, so a write goes through', async () => {
    const wallet = walletOnAnotherChain(config.rpcUrl, config.chainId)
    const address = anvilAccount(7).account.address
    const clients = createAccountClients(config, { kind: 'wallet', address, provider: wallet.provider })
    const send = () => clients.walletClient.sendTransaction({ to: anvilAccount(9).account.address, value: 1n })
    // Without it, the write is refused: the wallet is on mainnet.
    await expect(send()).rejects.toThrow(/chain/i)
    await clients.ensureChain()
    expect(wallet.chainId()).toBe(config.chainId)
    expect(wallet.methods.filter((method) => method.startsWith('wallet_'))).toEqual(['wallet_switchEthereumChain', 'wallet_addEthereumChain', 'wallet_switchEthereumChain'])
    const hash = await send()
    expect((await clients.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success')
    // On the right chain already: nothing is asked of the wallet.
    const before = wallet.methods.length
    await clients.ensureChain()
    expect(wallet.methods.slice(before)).toEqual(['eth_chainId'])
  })

  it('a local account signs for the configured chain and needs no switch', async () => {
    const clients = createAccountClients(config, { kind: 'local', privateKey: anvilAccount(8).privateKey })
    expect(clients.account).toBe(anvilAccount(8).account.address)
    await clients.ensureChain()
    expect(await clients.walletClient.getChainId()).toBe(config.chainId)
  })
})
