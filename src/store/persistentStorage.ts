/** Whether the browser agreed to keep this site's storage (not evict it under pressure), and how full it is. */
export type StoragePersistence = { persisted: boolean; usage?: number; quota?: number }

type StorageManagerLike = Pick<StorageManager, 'persist' | 'persisted' | 'estimate'>

/**
 * Asks the browser to keep Salus's storage (`navigator.storage.persist()`). Browsers may
 * refuse (Chromium decides by engagement; Safari evicts after weeks unused): the vault is
 * then "best effort" storage, and a backup is the remedy. Never throws.
 */
export async function requestPersistentStorage(storage: StorageManagerLike | undefined = globalThis.navigator?.storage): Promise<StoragePersistence> {
  if (!storage?.persist) return { persisted: false }
  let persisted = false
  try {
    persisted = (await storage.persisted?.()) || (await storage.persist())
  } catch {
    persisted = false
  }
  try {
    const { usage, quota } = await storage.estimate()
    return { persisted, ...(usage !== undefined ? { usage } : {}), ...(quota !== undefined ? { quota } : {}) }
  } catch {
    return { persisted }
  }
}
