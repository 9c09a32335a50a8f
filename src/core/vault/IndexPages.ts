import { indexPageSize } from './indexPage.ts'

export type PagePlan = { key: string; cids: string[] }[]

/**
 * Which index page holds which record. New records fill the last page, then open a
 * new one; a changed record re-seals the page it is on. Planning does not mutate, so
 * the vault applies a plan only after the store accepted the rows.
 */
export class IndexPages {
  private readonly pageOf = new Map<string, string>()
  private readonly pages = new Map<string, readonly string[]>()
  private last = -1

  has(key: string): boolean {
    return this.pages.has(key)
  }

  /** The page `cid` is on, if known. */
  pageFor(cid: string): string | undefined {
    return this.pageOf.get(cid)
  }

  clone(): IndexPages {
    const copy = new IndexPages()
    for (const [key, cids] of this.pages) copy.load(key, cids)
    return copy
  }

  load(key: string, cids: readonly string[]): void {
    const number = pageNumber(key)
    this.pages.set(key, cids)
    for (const cid of cids) this.pageOf.set(cid, key)
    if (number > this.last) this.last = number
  }

  plan(cids: readonly string[]): PagePlan {
    const dirty = new Map<string, string[]>()
    const touch = (key: string) => {
      let members = dirty.get(key)
      if (!members) dirty.set(key, (members = [...(this.pages.get(key) ?? [])]))
      return members
    }
    let last = this.last
    for (const cid of new Set(cids)) {
      const key = this.pageOf.get(cid)
      if (key) {
        touch(key)
        continue
      }
      const current = last >= 0 ? (dirty.get(pageKey(last)) ?? this.pages.get(pageKey(last))) : undefined
      if (!current || current.length >= indexPageSize) last++
      touch(pageKey(last)).push(cid)
    }
    return [...dirty].map(([key, members]) => ({ key, cids: members }))
  }

  apply(plan: PagePlan): void {
    for (const page of plan) this.load(page.key, page.cids)
  }
}

export function pageKey(number: number): string {
  return `page:${number}`
}

export function pageNumber(key: string): number {
  const match = /^page:(0|[1-9][0-9]{0,8})$/.exec(key)
  if (!match) throw new RangeError(`not an index page key: ${key}`)
  return Number(match[1])
}
