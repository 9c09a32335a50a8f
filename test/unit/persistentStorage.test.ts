import { describe, expect, it } from 'vitest'
import { requestPersistentStorage } from '../../src/store/persistentStorage.ts'

const manager = (p: { persisted: boolean; grant: boolean; fail?: boolean }) => {
  let asked = 0
  return {
    get asked() {
      return asked
    },
    persisted: async () => p.persisted,
    persist: async () => {
      asked++
      if (p.fail) throw new Error('not allowed')
      return p.grant
    },
    estimate: async () => ({ usage: 1_000, quota: 50_000 }),
  }
}

describe('requestPersistentStorage', () => {
  it('asks the browser to keep storage once, and reports its answer with usage and quota', async () => {
    const granted = manager({ persisted: false, grant: true })
    expect(await requestPersistentStorage(granted)).toEqual({ persisted: true, usage: 1_000, quota: 50_000 })
    expect(granted.asked).toBe(1)
    const refused = manager({ persisted: false, grant: false })
    expect(await requestPersistentStorage(refused)).toMatchObject({ persisted: false })
    const already = manager({ persisted: true, grant: false })
    expect(await requestPersistentStorage(already)).toMatchObject({ persisted: true })
    expect(already.asked).toBe(0)
  })

  it('never throws: a browser without the API, or one that throws, counts as not persisted', async () => {
    expect(await requestPersistentStorage(undefined)).toEqual({ persisted: false })
    expect(await requestPersistentStorage(manager({ persisted: false, grant: true, fail: true }))).toMatchObject({ persisted: false })
  })
})
