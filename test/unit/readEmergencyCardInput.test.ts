// readEmergencyCard refuses, before any chain or network call, a card from another
// network and a network without the Emergency contract, each with a sentence to act on.
import { describe, expect, it } from 'vitest'
import { readEmergencyCard, type ReadEmergencyCardParameters } from '../../src/flows/emergency/readEmergencyCard.ts'

const untouched = new Proxy({}, { get: () => { throw new Error('no I/O expected') } })
const parameters = (emergency: `0x${string}` | undefined): ReadEmergencyCardParameters => ({
  publicClient: untouched as ReadEmergencyCardParameters['publicClient'],
  walletClient: untouched as ReadEmergencyCardParameters['walletClient'],
  ensureChain: async () => {
    throw new Error('no I/O expected')
  },
  deployment: { chainId: 31337, consent: '0x5FbDB2315678afecb367f032d93F642f64180aa3', fromBlock: 0n, emergency },
  node: async () => {
    throw new Error('no I/O expected')
  },
  careNodes: [],
  directoryCareNodes: async () => [],
})

describe('readEmergencyCard input', () => {
  it('a card from another network', async () => {
    await expect(readEmergencyCard({ chainId: 1, grantId: 1n, cardSecret: new Uint8Array(32) }, parameters('0x0000000000000000000000000000000000000001'))).rejects.toMatchObject({
      name: 'EmergencyNetworkError',
      shortMessage: expect.stringMatching(/made on network 1.*Switch/),
    })
  })

  it('a network with no Emergency contract', async () => {
    await expect(readEmergencyCard({ chainId: 31337, grantId: 1n, cardSecret: new Uint8Array(32) }, parameters(undefined))).rejects.toMatchObject({
      name: 'EmergencyNetworkError',
      shortMessage: expect.stringMatching(/no Emergency contract/),
    })
  })
})
