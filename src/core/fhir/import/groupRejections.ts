import type { RejectedItem } from './importPlan.ts'

export type GroupRejectionsParameters = { examples?: number }
export type RejectionGroup = { reason: string; count: number; examples: string[] }

/** Rejections with the same reason, most frequent first, with the first few items of each. */
export function groupRejections(items: readonly RejectedItem[], p: GroupRejectionsParameters = {}): RejectionGroup[] {
  const examples = p.examples ?? 3
  const groups = new Map<string, RejectionGroup>()
  for (const { item, reason } of items) {
    let group = groups.get(reason)
    if (!group) groups.set(reason, (group = { reason, count: 0, examples: [] }))
    group.count += 1
    if (group.examples.length < examples) group.examples.push(item)
  }
  return [...groups.values()].sort((a, b) => b.count - a.count)
}
