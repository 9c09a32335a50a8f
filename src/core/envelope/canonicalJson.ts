/**
 * Canonical JSON in the spirit of RFC 8785 (JCS): object keys sorted by UTF-16 code
 * units, no whitespace, numbers in ECMAScript shortest form (which is what JCS
 * specifies). The same resource always gives the same bytes, so its ciphertext
 * commitment and any hash over it are reproducible.
 */
const maxDepth = 128

export function canonicalJson(value: unknown): string {
  return serialize(value, 0, new Set())
}

function serialize(value: unknown, depth: number, ancestors: Set<object>): string {
  if (depth > maxDepth) throw new TypeError(`JSON nested deeper than ${maxDepth} levels`)
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('JSON cannot hold NaN or Infinity')
    return JSON.stringify(value)
  }
  if (typeof value !== 'object') throw new TypeError(`JSON cannot hold a ${typeof value}`)
  if (ancestors.has(value)) throw new TypeError('JSON cannot hold a cycle')
  ancestors.add(value)
  try {
    if (Array.isArray(value)) {
      return `[${value.map((item) => serialize(item, depth + 1, ancestors)).join(',')}]`
    }
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) throw new TypeError('JSON objects must be plain objects')
    const record = value as Record<string, unknown>
    const members = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${serialize(record[key], depth + 1, ancestors)}`)
    return `{${members.join(',')}}`
  } finally {
    ancestors.delete(value)
  }
}
