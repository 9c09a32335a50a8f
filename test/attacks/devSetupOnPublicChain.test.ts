// Attack: proofs forged with the development trusted setup on a public chain.
// The committed circuit keys come from circuits/ptau/salus_dev_14.ptau and public
// phase-2 beacons: their toxic waste is public, so anyone can forge a consent or an
// eligibility proof for them. If an operator runs `npm run deploy` against a public
// chain with these keys, every promise that rests on a proof is void (a forged grant,
// an insurance pool drained by fake members). Here anvil poses as Sepolia (chain id
// 11155111) and the real deploy script is pointed at it, as a function and on the
// command line: it must refuse with a sentence saying why and what to do, and send no
// transaction. Given a ceremony record that does not describe the keys it is refused
// too; given one that does, it deploys.
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { createPublicClient, http, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { anvilAccount, deploySalus } from '../../src/chain/deploy/deploySalus.ts'
import { developmentPtauSha256, TrustedSetupError } from '../../src/chain/deploy/trustedSetup.ts'
import { startAnvil, type Anvil } from '../../src/chain/deploy/startAnvil.ts'

const root = path.resolve(import.meta.dirname, '../..')
const sepolia = 11155111
let anvil: Anvil | undefined
let rpcUrl: string
let work: string
const deployer = anvilAccount(0)

async function transactionsSent(): Promise<number> {
  return createPublicClient({ transport: http(rpcUrl) }).getTransactionCount({ address: deployer.account.address })
}

async function refused(parameters: Partial<Parameters<typeof deploySalus>[0]>): Promise<TrustedSetupError> {
  const error = await deploySalus({ rpcUrl, privateKey: deployer.privateKey, ...parameters }).then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error, 'the deployment was refused').toBeInstanceOf(TrustedSetupError)
  expect(await transactionsSent(), 'no transaction was sent').toBe(0)
  return error as TrustedSetupError
}

const sha256 = async (file: string) => (await import('node:crypto')).createHash('sha256').update(await readFile(file)).digest('hex')

/** A ceremony record for the keys in `zkDir`, starting from a phase-1 file with `ptauSha`. */
async function ceremonyRecord(zkDir: string, ptauSha: string) {
  const circuit = async (name: string) => ({
    zkey: { file: `ceremony/${name}_final.zkey`, sha256: await sha256(path.join(zkDir, `${name}.zkey`)) },
    contributions: [{ name: 'Alice (hospital A)', hash: 'f4a3…' }, { name: 'Bob (insurer B)', hash: '09c1…' }],
    beacon: { hash: '0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20', iterations: 10 },
  })
  return {
    ptau: { file: 'ceremony/powersOfTau28_hez_final_14.ptau', sha256: ptauSha, source: 'https://storage.googleapis.com/zkevm/ptau/powersOfTau28_hez_final_14.ptau' },
    // Eligibility has one circuit, hence one ceremony, per depth.
    circuits: Object.fromEntries(await Promise.all(['consent', ...Array.from({ length: 20 }, (_, i) => `eligibility-${i + 1}`)].map(async (name) => [name, await circuit(name)] as const))),
  }
}

beforeAll(async () => {
  anvil = await startAnvil({ chainId: sepolia })
  rpcUrl = anvil.rpcUrl
  work = await mkdtemp(path.join(tmpdir(), 'salus-ceremony-'))
}, 60_000)

afterAll(async () => {
  anvil?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('deploying the development keys to a public chain', () => {
  it('is refused, with the reason and the way out, and nothing is deployed', async () => {
    const error = await refused({})
    expect(error.shortMessage).toMatch(/^Refusing to deploy to chain 11155111: the circuit keys in public\/zk come from the development powers of tau \(circuits\/ptau\/salus_dev_14\.ptau\), whose secret is public/)
    expect(error.shortMessage).toMatch(/circuits\/README\.md and deploy with --trusted-setup <ceremony record>/)
  })

  it('npm run deploy prints that sentence and exits with an error', async () => {
    const result = await promisify(execFile)(path.join(root, 'node_modules/.bin/tsx'), ['scripts/deploy.ts', '--rpc', rpcUrl, '--key', deployer.privateKey, '--out', path.join(work, 'config.json')], { cwd: root }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )
    expect(result, 'the script failed').toBeDefined()
    expect(result!.code).toBe(1)
    expect(result!.stderr).toMatch(/Refusing to deploy to chain 11155111: the circuit keys in public\/zk come from the development powers of tau/)
    expect(await transactionsSent()).toBe(0)
  }, 60_000)

  it('is refused with a record that names the development ptau, or that does not describe these keys', async () => {
    const devRecord = path.join(work, 'dev-record.json')
    await writeFile(devRecord, JSON.stringify(await ceremonyRecord(path.join(root, 'public/zk'), developmentPtauSha256)))
    expect((await refused({ trustedSetup: devRecord })).shortMessage).toMatch(/names the development powers of tau/)

    // A real-looking record, but the keys in public/zk were built on the development ptau.
    const otherPtau = 'ab'.repeat(32)
    const record = path.join(work, 'record.json')
    await writeFile(record, JSON.stringify(await ceremonyRecord(path.join(root, 'public/zk'), otherPtau)))
    expect((await refused({ trustedSetup: record })).shortMessage).toMatch(/were built from circuits\/ptau\/salus_dev_14\.ptau .*not from the ceremony's/)

    const broken = path.join(work, 'broken.json')
    await writeFile(broken, JSON.stringify({ ptau: { file: 'x', sha256: otherPtau, source: 'y' }, circuits: {} }))
    expect((await refused({ trustedSetup: broken })).shortMessage).toMatch(/is incomplete: circuits\.consent\.zkey needs file and sha256/)
  })

  it('proceeds with a ceremony record that matches the keys, the manifest and the verifiers; a record for other keys is refused', async () => {
    // The keys as a ceremony build leaves them: the manifest names the ceremony's ptau.
    const zkDir = path.join(work, 'zk')
    await cp(path.join(root, 'public/zk'), zkDir, { recursive: true })
    const ceremonyPtau = 'cd'.repeat(32)
    const manifest = JSON.parse(await readFile(path.join(zkDir, 'manifest.json'), 'utf8'))
    manifest.ptau = { file: 'ceremony/powersOfTau28_hez_final_14.ptau', sha256: ceremonyPtau }
    manifest.ceremony = 'circuits/ceremony.json'
    await writeFile(path.join(zkDir, 'manifest.json'), JSON.stringify(manifest))
    const recordPath = path.join(work, 'ceremony.json')
    const record = await ceremonyRecord(zkDir, ceremonyPtau)

    // A record whose eligibility key is another one: refused.
    await writeFile(recordPath, JSON.stringify({ ...record, circuits: { ...record.circuits, 'eligibility-7': { ...record.circuits['eligibility-7']!, zkey: { file: 'x', sha256: 'ef'.repeat(32) } } } }))
    expect((await refused({ trustedSetup: recordPath, zkDir })).shortMessage).toMatch(/eligibility-7\.zkey is not the eligibility-7 key the ceremony record .* describes/)

    // A verification key that is not the zkey's: refused.
    const vkeyPath = path.join(zkDir, 'consent.vkey.json')
    const vkey = await readFile(vkeyPath, 'utf8')
    const altered = JSON.parse(vkey) as { nPublic: number }
    await writeFile(vkeyPath, JSON.stringify({ ...altered, nPublic: altered.nPublic + 1 }, null, 1))
    await writeFile(recordPath, JSON.stringify(record))
    expect((await refused({ trustedSetup: recordPath, zkDir })).shortMessage).toMatch(/consent\.vkey\.json is not the verification key of/)
    await writeFile(vkeyPath, vkey)

    // Keys that are consistent among themselves but not those the verifier to be deployed checks: refused.
    const swapped = path.join(work, 'swapped')
    await cp(zkDir, swapped, { recursive: true })
    await cp(path.join(zkDir, 'eligibility-3.zkey'), path.join(swapped, 'consent.zkey'))
    await cp(path.join(zkDir, 'eligibility-3.vkey.json'), path.join(swapped, 'consent.vkey.json'))
    const swappedManifest = { ...manifest, circuits: { ...manifest.circuits, consent: { ...manifest.circuits.consent, zkey: manifest.circuits['eligibility-3'].zkey } } }
    await writeFile(path.join(swapped, 'manifest.json'), JSON.stringify(swappedManifest))
    const swappedRecord = path.join(work, 'swapped.json')
    await writeFile(swappedRecord, JSON.stringify({ ...record, circuits: { ...record.circuits, consent: { ...record.circuits.consent!, zkey: record.circuits['eligibility-3']!.zkey } } }))
    expect((await refused({ trustedSetup: swappedRecord, zkDir: swapped })).shortMessage).toMatch(/The consent verifier this deployment would publish does not carry the ceremony's verification key/)

    const config = await deploySalus({ rpcUrl, privateKey: deployer.privateKey, trustedSetup: recordPath, zkDir })
    expect(config.chainId).toBe(sepolia)
    const code = await createPublicClient({ transport: http(rpcUrl) }).getCode({ address: config.contracts.Consent!.address as Hex })
    expect(code?.length ?? 0).toBeGreaterThan(2)
    expect(await transactionsSent()).toBeGreaterThan(0)
  }, 120_000)
})
