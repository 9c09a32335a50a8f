/**
 * Bytes as decimal digits, for QR numeric mode (10 bits per 3 digits, 99.7 % dense;
 * base64url in byte mode is 75 %, base45 in alphanumeric mode 97 % but uses space and
 * "%", which a URL fragment mangles). Every 7 bytes become 17 digits; a last group of
 * k bytes becomes digitsForBytes[k] digits, so the length alone says where it ends.
 */
const digitsForBytes = [0, 3, 5, 8, 10, 13, 15, 17] as const
const groupBytes = 7

export function bytesToDecimal(bytes: Uint8Array): string {
  let out = ''
  for (let offset = 0; offset < bytes.length; offset += groupBytes) {
    const group = bytes.subarray(offset, offset + groupBytes)
    let value = 0n
    for (const byte of group) value = (value << 8n) | BigInt(byte)
    out += value.toString().padStart(digitsForBytes[group.length] as number, '0')
  }
  return out
}

/** undefined when the text is not digits, has an impossible length, or a group overflows its bytes. */
export function decimalToBytes(digits: string): Uint8Array | undefined {
  if (!/^[0-9]*$/.test(digits)) return undefined
  const fullGroups = Math.floor(digits.length / 17)
  const tailDigits = digits.length - fullGroups * 17
  const tailBytes = digitsForBytes.indexOf(tailDigits as (typeof digitsForBytes)[number])
  if (tailBytes < 0) return undefined
  const out = new Uint8Array(fullGroups * groupBytes + tailBytes)
  for (let group = 0; group * 17 < digits.length; group++) {
    const length = group < fullGroups ? groupBytes : tailBytes
    let value = BigInt(digits.slice(group * 17, group * 17 + (digitsForBytes[length] as number)))
    if (value >= 1n << BigInt(8 * length)) return undefined
    for (let index = length - 1; index >= 0; index--) {
      out[group * groupBytes + index] = Number(value & 0xffn)
      value >>= 8n
    }
  }
  return out
}
