import { describe, expect, it } from 'vitest'
import {
  loadNetworkConfig,
  NetworkConfigError,
  NetworkConfigUnavailableError,
  parseNetworkConfig,
  type LocalAccount,
  type NetworkConfig,
} from '../../src/chain/networkConfig.ts'

const alice = {
  label: 'Alice',
  role: 'patient',
  privateKey: '0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97',
  address: '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
}

function valid(): NetworkConfig {
  return {
    chainId: 31337,
    chainName: 'Anvil (local)',
    rpcUrl: 'http://127.0.0.1:8545',
    contracts: {
      Registry: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', deployBlock: 1 },
      Anchors: { address: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512', deployBlock: 2 },
    },
    relays: ['/ip4/127.0.0.1/tcp/9090/ws/p2p/12D3KooWRelay'],
    careNodes: [{ peerId: '12D3KooWCare', multiaddrs: ['/ip4/127.0.0.1/tcp/9090/ws'] }],
    localAccounts: [alice as LocalAccount],
  }
}

function fieldOf(mutate: (config: Record<string, any>) => void): string | undefined {
  const config = structuredClone(valid()) as Record<string, any>
  mutate(config)
  try {
    parseNetworkConfig(config)
    return undefined
  } catch (error) {
    if (!(error instanceof NetworkConfigError)) throw error
    return error.field
  }
}

describe('parseNetworkConfig', () => {
  it('accepts what the deploy script writes and checksums addresses', () => {
    const lower = structuredClone(valid())
    lower.contracts.Anchors.address = lower.contracts.Anchors.address.toLowerCase() as `0x${string}`
    expect(parseNetworkConfig(lower)).toEqual(valid())
  })

  it("keeps a care node's HTTP URL for SMART Health Link files", () => {
    const withHttp = structuredClone(valid())
    withHttp.careNodes[0]!.httpUrl = 'https://care.example.org'
    expect(parseNetworkConfig(withHttp).careNodes[0]!.httpUrl).toBe('https://care.example.org')
  })

  it.each([
    ['chainId', (c: Record<string, any>) => (c.chainId = '31337')],
    ['chainId', (c: Record<string, any>) => (c.chainId = -1)],
    ['rpcUrl', (c: Record<string, any>) => (c.rpcUrl = 'javascript:alert(1)')],
    ['rpcUrl', (c: Record<string, any>) => (c.rpcUrl = 'not a url')],
    ['contracts.Anchors', (c: Record<string, any>) => delete c.contracts.Anchors],
    ['contracts.Registry.address', (c: Record<string, any>) => (c.contracts.Registry.address = '0x1234')],
    ['contracts.Anchors.deployBlock', (c: Record<string, any>) => (c.contracts.Anchors.deployBlock = 1.5)],
    ['relays[0]', (c: Record<string, any>) => (c.relays = ['ws://relay'])],
    ['relays', (c: Record<string, any>) => (c.relays = Array(65).fill('/ip4/1.2.3.4/tcp/1/ws'))],
    ['careNodes[0].peerId', (c: Record<string, any>) => (c.careNodes[0].peerId = '')],
    ['careNodes[0].httpUrl', (c: Record<string, any>) => (c.careNodes[0].httpUrl = 'ftp://care.example/')],
    ['careNodes[0].httpUrl', (c: Record<string, any>) => (c.careNodes[0].httpUrl = 'javascript:alert(1)')],
    ['localAccounts', (c: Record<string, any>) => (c.chainId = 1)],
    ['localAccounts[0].address', (c: Record<string, any>) => (c.localAccounts[0].address = valid().contracts.Registry.address)],
    ['localAccounts[0].privateKey', (c: Record<string, any>) => (c.localAccounts[0].privateKey = '0x12')],
  ])('rejects a bad %s', (field, mutate) => {
    expect(fieldOf(mutate)).toBe(field)
  })
})

describe('loadNetworkConfig', () => {
  const respond = (body: string, status = 200) => (async () => new Response(body, { status })) as typeof fetch

  it('fetches and validates /config/salus.config.json', async () => {
    let requested = ''
    const fetchImpl = (async (url: string) => {
      requested = url
      return new Response(JSON.stringify(valid()))
    }) as typeof fetch
    expect(await loadNetworkConfig(fetchImpl)).toEqual(valid())
    expect(requested).toBe('/config/salus.config.json')
  })

  it('tells the person to start the local network when the file is missing', async () => {
    const error = await loadNetworkConfig(respond('not found', 404)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NetworkConfigUnavailableError)
    expect((error as NetworkConfigUnavailableError).shortMessage).toContain('npm start')
  })

  it('rejects non-JSON and oversized files', async () => {
    await expect(loadNetworkConfig(respond('<html>'))).rejects.toBeInstanceOf(NetworkConfigError)
    await expect(loadNetworkConfig(respond(' '.repeat(300_000)))).rejects.toThrow(/larger than/)
  })
})
