import { IDBBlockstore } from 'blockstore-idb'
import { blockAccess, type BlockAccess } from '../core/blocks.ts'
import type { RecordIndexStore } from '../core/vault/types.ts'
import { idbRecordIndex } from './idbRecordIndex.ts'

export interface AccountStores {
  blocks: BlockAccess
  index: RecordIndexStore
  /** The Helia-compatible blockstore behind `blocks`, for a Helia node of the same account. */
  blockstore: IDBBlockstore
  close(): Promise<void>
}

/** Database names for one account; everything is namespaced so two tabs can be two users. */
export function accountDatabaseNames(account: string): { blocks: string; vault: string } {
  if (!/^0x[0-9a-fA-F]{40}$/.test(account)) throw new TypeError(`not an account address: ${account}`)
  const prefix = `salus:${account.toLowerCase()}`
  return { blocks: `${prefix}:blocks`, vault: `${prefix}:vault` }
}

/** Opens the account's IndexedDB blockstore and record index. */
export async function openAccountStores(account: string): Promise<AccountStores> {
  const names = accountDatabaseNames(account)
  const blockstore = new IDBBlockstore(names.blocks)
  await blockstore.open()
  let index: Awaited<ReturnType<typeof idbRecordIndex>>
  try {
    index = await idbRecordIndex(names.vault)
  } catch (error) {
    await blockstore.close()
    throw error
  }
  return {
    blocks: blockAccess({ blockstore }),
    index,
    blockstore,
    async close() {
      index.close()
      await blockstore.close()
    },
  }
}
