// What a benchmark file exports, and the measuring rules every benchmark follows:
// medians, never bests; a benchmark and its baseline measured interleaved in one session.

export type Benchmark = {
  /** `<file prefix>.<what>`: bench/vault.bench.ts names its figures `vault.…` (scripts/bench.ts checks). */
  name: string
  /** What the figure measures and on what: Node or Chromium, real anvil, fake-indexeddb, … */
  about: string
  unit: string
  better: 'lower' | 'higher'
  /** Optional target, printed beside the figure. */
  target?: number
  run: () => Promise<number>
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values')
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * Runs every contender `warmups` times, then `rounds` rounds in which each runs once,
 * in an order that alternates from round to round (A B, B A, A B, …), so that a
 * contender and its baseline share warm-up, garbage collector and machine load.
 * Returns every contender's per-round values.
 */
export async function interleaved<K extends string>(
  contenders: Record<K, () => Promise<number>>,
  { warmups = 1, rounds = 5 }: { warmups?: number; rounds?: number } = {},
): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[]
  const values = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>
  for (let i = 0; i < warmups; i++) for (const name of names) await contenders[name]()
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) values[name].push(await contenders[name]())
  }
  return values
}

/** One measurement shared by several figures of a file (run once, however many figures read it). */
export function once<T>(measure: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= measure())
}
