// SPDX-License-Identifier: GPL-3.0-or-later
/**
 * Bech32m (BIP-350): text codes that people copy, type or scan, with a checksum that
 * catches every error of up to four characters (so every single typo and every swap of
 * two neighbours) in a code of up to 90 characters. Lower or upper case, never mixed.
 */
const charset = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l'
const bech32mConstant = 0x2bc830a3
const generator = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3]
const maxLength = 90

function polymod(values: readonly number[]): number {
  let checksum = 1
  for (const value of values) {
    const top = checksum >>> 25
    checksum = (((checksum & 0x1ffffff) << 5) ^ value) >>> 0
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) checksum = (checksum ^ generator[i]!) >>> 0
  }
  return checksum
}

function expandPrefix(prefix: string): number[] {
  const codes = [...prefix].map((char) => char.charCodeAt(0))
  return [...codes.map((code) => code >> 5), 0, ...codes.map((code) => code & 31)]
}

function checksumOf(prefix: string, words: readonly number[]): number[] {
  const mod = polymod([...expandPrefix(prefix), ...words, 0, 0, 0, 0, 0, 0]) ^ bech32mConstant
  return Array.from({ length: 6 }, (_, i) => (mod >>> (5 * (5 - i))) & 31)
}

/** Regroups bits (8 → 5 with zero padding, 5 → 8 refusing leftover non-zero bits). */
function regroup(values: ArrayLike<number>, from: number, to: number, pad: boolean): number[] | undefined {
  let accumulator = 0
  let bits = 0
  const out: number[] = []
  const mask = (1 << to) - 1
  for (let i = 0; i < values.length; i++) {
    accumulator = (accumulator << from) | values[i]!
    bits += from
    while (bits >= to) {
      bits -= to
      out.push((accumulator >> bits) & mask)
    }
    accumulator &= (1 << bits) - 1
  }
  if (pad && bits > 0) out.push((accumulator << (to - bits)) & mask)
  else if (!pad && (bits >= from || ((accumulator << (to - bits)) & mask) !== 0)) return undefined
  return out
}

/** `prefix` (lower case ASCII 33-126, no "1" needed), "1", the bytes in 5-bit characters, 6 check characters. */
export function encodeBech32m(prefix: string, bytes: Uint8Array): string {
  if (!/^[!-~]{1,83}$/.test(prefix) || prefix !== prefix.toLowerCase()) throw new RangeError('bech32m prefix must be 1-83 lower-case ASCII characters')
  const words = regroup(bytes, 8, 5, true)!
  const text = `${prefix}1${[...words, ...checksumOf(prefix, words)].map((word) => charset[word]).join('')}`
  if (text.length > maxLength) throw new RangeError('bech32m code longer than 90 characters')
  return text
}

export type Bech32mDecoded = { ok: true; prefix: string; bytes: Uint8Array } | { ok: false; reason: 'format' | 'checksum' }

/**
 * Reads a code back. `format`: not a bech32m code at all (length, characters, mixed
 * case, padding); `checksum`: well-formed but the check characters do not match (a typo).
 */
export function decodeBech32m(text: string): Bech32mDecoded {
  if (text.length < 8 || text.length > maxLength || !/^[!-~]+$/.test(text)) return { ok: false, reason: 'format' }
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) return { ok: false, reason: 'format' }
  const lower = text.toLowerCase()
  const split = lower.lastIndexOf('1')
  if (split < 1 || lower.length - split - 1 < 6) return { ok: false, reason: 'format' }
  const prefix = lower.slice(0, split)
  const words: number[] = []
  for (const char of lower.slice(split + 1)) {
    const word = charset.indexOf(char)
    if (word < 0) return { ok: false, reason: 'format' }
    words.push(word)
  }
  if (polymod([...expandPrefix(prefix), ...words]) !== bech32mConstant) return { ok: false, reason: 'checksum' }
  const bytes = regroup(words.slice(0, -6), 5, 8, false)
  if (!bytes) return { ok: false, reason: 'format' }
  return { ok: true, prefix, bytes: Uint8Array.from(bytes) }
}
