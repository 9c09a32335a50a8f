import { randomBytes } from 'node:crypto'
import { mkdir, open, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { labelledSecretKey, type SecretKey } from '../crypto/umbral.ts'
import { SalusError, type SalusErrorParameters } from '../errors/salusError.ts'

/** The key file's name inside a care node's data directory. */
export const careNodeKeyFileName = 'care-node-keys.json'

/** The key file is missing fields, unreadable, or readable by others. */
export class CareNodeKeyFileError extends SalusError {
  override name = 'CareNodeKeyFileError' as const
  constructor(shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

export type CareNodeKeys = {
  /** The libp2p identity (Ed25519). */
  peerKey: PrivateKey
  /** The proxy's account (its Registry entry) and the Umbral key patients encrypt key fragments to. */
  proxy: { privateKey: Hex; address: Address; secretKey: SecretKey; umbralPublicKey: Hex }
  /** True when this call created the file. */
  created: boolean
  file: string
}

type KeyFileContents = { v: 1; peerKeySeed: Hex; accountKey: Hex; umbralSeed: Hex }

/**
 * A care node's keys, random and kept in `<dataDir>/care-node-keys.json` (mode 0600),
 * created on first start. Restarting with the same directory keeps the node's peer
 * id, proxy account and Umbral key; nothing about them can be derived from a name.
 * A file that others may read is refused: its keys must be treated as leaked.
 */
export async function loadOrCreateCareNodeKeys(dataDir: string): Promise<CareNodeKeys> {
  const file = path.join(path.resolve(dataDir), careNodeKeyFileName)
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 })
  let created = false
  let contents: KeyFileContents
  try {
    const handle = await open(file, 'wx', 0o600)
    contents = { v: 1, peerKeySeed: bytesToHex(randomBytes(32)), accountKey: bytesToHex(randomBytes(32)), umbralSeed: bytesToHex(randomBytes(32)) }
    try {
      await handle.writeFile(JSON.stringify(contents, null, 2) + '\n')
      await handle.sync()
    } finally {
      await handle.close()
    }
    created = true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new CareNodeKeyFileError(`Could not create the care node key file ${file}. Check that the data directory is writable.`, { cause: error })
    }
    contents = await readKeyFile(file)
  }
  const peerKey = await generateKeyPairFromSeed('Ed25519', hexToBytes(contents.peerKeySeed))
  const secretKey = labelledSecretKey(hexToBytes(contents.umbralSeed), 'proxy')
  const publicKey = secretKey.publicKey()
  const umbralPublicKey = bytesToHex(publicKey.toCompressedBytes())
  publicKey.free()
  const address = privateKeyToAccount(contents.accountKey).address
  return { peerKey, proxy: { privateKey: contents.accountKey, address, secretKey, umbralPublicKey }, created, file }
}

async function readKeyFile(file: string): Promise<KeyFileContents> {
  const info = await stat(file)
  if ((info.mode & 0o077) !== 0) {
    throw new CareNodeKeyFileError(
      `The care node key file ${file} can be read by other users (mode ${(info.mode & 0o777).toString(8)}). Treat its keys as leaked: delete the file to make new ones, or run chmod 600 on it if nobody else could have read it.`,
    )
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new CareNodeKeyFileError(`The care node key file ${file} is not valid JSON. Restore it from a backup, or delete it to make new keys.`, { cause: error })
  }
  const value = parsed as Partial<KeyFileContents>
  const hex32 = (field: unknown) => typeof field === 'string' && /^0x[0-9a-f]{64}$/i.test(field)
  if (value?.v !== 1 || !hex32(value.peerKeySeed) || !hex32(value.accountKey) || !hex32(value.umbralSeed)) {
    throw new CareNodeKeyFileError(`The care node key file ${file} lacks a key (v, peerKeySeed, accountKey, umbralSeed). Restore it from a backup, or delete it to make new keys.`)
  }
  return value as KeyFileContents
}
