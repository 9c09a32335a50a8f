// The chain grant oracle takes a grant's bundle CID and proxies commitment from
// GrantCreated (the contract stores only their hash) and checks them against the
// contract's grantIdOf before serving. Here the RPC lies about the event: a real
// anvil, a real grant with a real proof, and a transport that rewrites eth_getLogs.
import { createPublicClient, custom, decodeEventLog, encodeAbiParameters, http, toFunctionSelector, type Hex } from 'viem'
import { foundry } from 'viem/chains'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { submitGrant } from '../../src/chain/consent/submitGrant.ts'
import { Consent } from '../../src/chain/generated/Consent.ts'
import { chainGrantOracle } from '../../src/p2p/chainGrantOracle.ts'
import { clientsFor, identitySecretOf, prepareGrant, randomCid, type PreparedGrant } from '../support/consentChain.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'

type RpcLog = { data: Hex; topics: Hex[] }
type Rewrite = (args: { grantId: bigint; pseudonym: bigint; scopesMask: number; expiry: bigint; threshold: number; proxiesHash: bigint; bundleCid: Hex }) => typeof args

let anvil: Anvil
let consent: `0x${string}`
let registry: `0x${string}`
let deployBlock: bigint
let prepared: PreparedGrant
let grantId: bigint
const grantIdOfSelector = toFunctionSelector('grantIdOf(uint256)')

/** A client whose RPC rewrites GrantCreated data and can fail grantIdOf reads. */
function lyingClient(rewrite: Rewrite, failGrantIdOf = { times: 0 }) {
  const upstream = http(anvil.rpcUrl)({ chain: foundry, retryCount: 0 })
  const request = async ({ method, params }: { method: string; params?: unknown }) => {
    if (method === 'eth_call' && failGrantIdOf.times > 0) {
      const [call] = params as [{ data?: Hex; input?: Hex }]
      if ((call.data ?? call.input)?.startsWith(grantIdOfSelector)) {
        failGrantIdOf.times--
        throw new Error('RPC unavailable')
      }
    }
    const result = await upstream.request({ method, params } as never)
    if (method !== 'eth_getLogs') return result
    return (result as RpcLog[]).map((log) => {
      const decoded = decodeEventLog({ abi: Consent.abi, data: log.data, topics: log.topics as [Hex, ...Hex[]] })
      if (decoded.eventName !== 'GrantCreated') return log
      const a = rewrite(decoded.args)
      const data = encodeAbiParameters(
        [{ type: 'uint256' }, { type: 'uint32' }, { type: 'uint64' }, { type: 'uint8' }, { type: 'uint256' }, { type: 'bytes' }],
        [a.pseudonym, a.scopesMask, a.expiry, a.threshold, a.proxiesHash, a.bundleCid],
      )
      return { ...log, data }
    })
  }
  return createPublicClient({ chain: foundry, transport: custom({ request }, { retryCount: 0 }) })
}

const oracleOver = (client: ReturnType<typeof lyingClient>) => chainGrantOracle(client, { consent, registry, fromBlock: deployBlock })

beforeAll(async () => {
  anvil = await startAnvil()
  const config = await deploySalus({ rpcUrl: anvil.rpcUrl, privateKey: anvilAccount(0).privateKey })
  consent = config.contracts.Consent!.address
  registry = config.contracts.Registry.address
  deployBlock = BigInt(config.contracts.Consent!.deployBlock)
  const doctor = clientsFor(anvil.rpcUrl, anvilAccount(2).privateKey)
  prepared = await prepareGrant({
    consent,
    identitySecret: await identitySecretOf(anvilAccount(8).privateKey),
    grantee: doctor.account.address,
    scopesMask: 0b10,
    expiry: BigInt(Math.floor(Date.now() / 1000) + 86_400),
    proxies: [anvilAccount(5).account.address, anvilAccount(6).account.address],
    threshold: 2,
  })
  ;({ grantId } = await submitGrant(doctor.walletClient, { consent, ...prepared }))
})

afterAll(() => anvil?.stop())

describe('chain grant oracle: event data checked against the grant’s params hash', () => {
  it('serves the bundle CID of an honest event', async () => {
    const grant = await oracleOver(lyingClient((args) => args)).grant(grantId)
    expect(grant).toMatchObject({ bundleCid: prepared.params.bundleCid.toString(), threshold: 2, scopesMask: 0b10, revoked: false })
  })

  it('serves no bundle when the event names another CID', async () => {
    const forged = `0x${Buffer.from((await randomCid()).bytes).toString('hex')}` as Hex
    const oracle = oracleOver(lyingClient((args) => ({ ...args, bundleCid: forged })))
    expect((await oracle.sync()).created).toEqual([grantId])
    expect((await oracle.grant(grantId))?.bundleCid).toBe('')
  })

  it('serves no bundle when the event names other proxies', async () => {
    const oracle = oracleOver(lyingClient((args) => ({ ...args, proxiesHash: args.proxiesHash ^ 1n })))
    expect((await oracle.grant(grantId))?.bundleCid).toBe('')
    // A commitment too wide to hash belongs to no grant either.
    const wide = oracleOver(lyingClient((args) => ({ ...args, proxiesHash: 1n << 250n })))
    expect((await wide.grant(grantId))?.bundleCid).toBe('')
  })

  it('does not remember a failed check: the next request checks again', async () => {
    const failures = { times: 1 }
    const oracle = oracleOver(lyingClient((args) => args, failures))
    await expect(oracle.grant(grantId)).rejects.toThrow()
    expect(failures.times).toBe(0)
    expect((await oracle.grant(grantId))?.bundleCid).toBe(prepared.params.bundleCid.toString())
  })
})
