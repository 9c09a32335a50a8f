import { DecryptionFailedError } from '../../crypto/decryptionFailedError.ts'
import { gcmDecrypt, gcmEncrypt, gcmNonceBytes, gcmTagBytes } from './aesGcm.ts'
import { deflateRaw, inflateRaw } from './deflate.ts'
import { EmergencyMinimumError, EmergencyMinimumTooLargeError } from './emergencyErrors.ts'
import type { AllergyItem, EmergencySummaryView, SummaryItem } from './emergencySummaryView.ts'

/** The critical minimum the QR itself carries, for a crew with no network. */
export type EmergencyMinimum = {
  allergies: string[]
  medications: string[]
  problems: string[]
  bloodGroup?: string
  contact?: { name: string; relation?: string; phone?: string }
  updatedAt: string
  /** How many items of each list were cut to fit the card ("+N more"). */
  more?: { allergies?: number; medications?: number; problems?: number }
}

/** First budget on the minimum's JSON (UTF-8) before compression; sealMinimumToFit lowers it until the sealed bytes fit the card. */
export const minimumBudgetBytes = 900
/** Each item is cut to this many characters first ("…" marks the cut). */
export const minimumItemChars = 48
const maxInflatedBytes = 16 * 1024
const maxListItems = 64
const maxTextChars = 200
const aad = new TextEncoder().encode('salus/emergency-minimum/v1')

const inactive = new Set(['inactive', 'resolved', 'remission', 'refuted', 'entered-in-error', 'completed', 'stopped', 'not-taken', 'cancelled'])
const isCurrent = (item: SummaryItem) => !item.status || !inactive.has(item.status.toLowerCase())
const clip = (value: string, chars: number) => (value.length > chars ? `${value.slice(0, chars - 1).trimEnd()}…` : value)
const allergyLine = (item: AllergyItem) =>
  [item.criticality === 'high' ? `${item.text} (HIGH RISK)` : item.text, item.reactions].filter(Boolean).join(': ')
const sizeOf = (minimum: EmergencyMinimum) => new TextEncoder().encode(JSON.stringify(minimum)).length

/**
 * The critical minimum of a summary: current allergies (high-risk first), current
 * medications, active problems, blood group, the first contact, the update time.
 * Trimmed to `budgetBytes` of JSON by one rule, applied in order until it fits:
 * 1. every item is cut to `minimumItemChars` characters;
 * 2. problems are dropped from the end, then 3. medications, then 4. allergies (last:
 *    they matter most to a crew); each dropped item is counted in `more`;
 * 5. the contact's relation goes. Blood group, the contact's name and phone stay.
 * Still too large: EmergencyMinimumTooLargeError.
 */
export function selectMinimum(view: EmergencySummaryView, { budgetBytes = minimumBudgetBytes }: { budgetBytes?: number } = {}): EmergencyMinimum {
  const allergies = view.allergies.filter(isCurrent)
  allergies.sort((a, b) => Number(b.criticality === 'high') - Number(a.criticality === 'high'))
  const contact = view.contacts[0]
  const minimum: EmergencyMinimum = {
    allergies: allergies.map(allergyLine),
    medications: view.medications.filter(isCurrent).map((item) => [item.text, item.detail].filter(Boolean).join(', ')),
    problems: view.problems.filter(isCurrent).map((item) => item.text),
    ...(view.bloodGroup ? { bloodGroup: view.bloodGroup.text } : {}),
    ...(contact ? { contact: { name: clip(contact.name, minimumItemChars), ...(contact.relation ? { relation: clip(contact.relation, 24) } : {}), ...(contact.phone ? { phone: clip(contact.phone, 32) } : {}) } } : {}),
    updatedAt: view.lastUpdated,
  }
  if (sizeOf(minimum) <= budgetBytes) return minimum
  for (const list of ['allergies', 'medications', 'problems'] as const) minimum[list] = minimum[list].map((line) => clip(line, minimumItemChars))
  for (const list of ['problems', 'medications', 'allergies'] as const) {
    while (sizeOf(minimum) > budgetBytes && minimum[list].length > 0) {
      minimum[list].pop()
      minimum.more = { ...minimum.more, [list]: (minimum.more?.[list] ?? 0) + 1 }
    }
  }
  if (sizeOf(minimum) > budgetBytes && minimum.contact?.relation) delete minimum.contact.relation
  const size = sizeOf(minimum)
  if (size > budgetBytes) throw new EmergencyMinimumTooLargeError(size, budgetBytes)
  return minimum
}

/** nonce (12) ‖ AES-256-GCM(deflate-raw(JSON)) ‖ tag (16), as SMART Health Cards compress before they protect. */
export async function sealMinimum(minimum: EmergencyMinimum, minimumKey: Uint8Array): Promise<Uint8Array> {
  const compressed = await deflateRaw(new TextEncoder().encode(JSON.stringify(checkMinimum(minimum))))
  const nonce = crypto.getRandomValues(new Uint8Array(gcmNonceBytes))
  const sealed = await gcmEncrypt(minimumKey, nonce, compressed, aad)
  const out = new Uint8Array(nonce.length + sealed.length)
  out.set(nonce)
  out.set(sealed, nonce.length)
  return out
}

/**
 * The minimum of a summary, sealed and no larger than `maxSealedBytes` (cardPayload
 * maxSealedMinimumBytes): selectMinimum's rule applied with a lower JSON budget until
 * the compressed, sealed bytes fit, whatever the text's compression ratio.
 */
export async function sealMinimumToFit(view: EmergencySummaryView, minimumKey: Uint8Array, { maxSealedBytes }: { maxSealedBytes: number }): Promise<{ minimum: EmergencyMinimum; sealed: Uint8Array }> {
  let budgetBytes = minimumBudgetBytes
  for (;;) {
    const minimum = selectMinimum(view, { budgetBytes })
    const sealed = await sealMinimum(minimum, minimumKey)
    if (sealed.length <= maxSealedBytes) return { minimum, sealed }
    // selectMinimum throws EmergencyMinimumTooLargeError once nothing more can go.
    budgetBytes -= Math.max(16, Math.ceil((sealed.length - maxSealedBytes) * 1.2))
  }
}

/** Opens a sealed minimum; an altered byte, a wrong key or a malformed minimum throws EmergencyMinimumError. */
export async function openMinimum(sealed: Uint8Array, minimumKey: Uint8Array): Promise<EmergencyMinimum> {
  if (sealed.length < gcmNonceBytes + gcmTagBytes + 1) throw new EmergencyMinimumError('it is too short to be one')
  let compressed: Uint8Array
  try {
    compressed = await gcmDecrypt(minimumKey, sealed.subarray(0, gcmNonceBytes), sealed.subarray(gcmNonceBytes), aad)
  } catch (cause) {
    if (cause instanceof DecryptionFailedError) throw new EmergencyMinimumError('it was altered, or it belongs to another card', { cause })
    throw cause
  }
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await inflateRaw(compressed, maxInflatedBytes)))
  } catch (cause) {
    throw new EmergencyMinimumError('its contents are not readable', { cause })
  }
  return checkMinimum(json)
}

/** The shape, strictly: only known fields, short strings, bounded lists. */
function checkMinimum(value: unknown): EmergencyMinimum {
  const fail = (reason: string): never => { throw new EmergencyMinimumError(reason) }
  const object = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : fail('it is not an object')
  const known = new Set(['allergies', 'medications', 'problems', 'bloodGroup', 'contact', 'updatedAt', 'more'])
  for (const key of Object.keys(object)) if (!known.has(key)) fail(`it has an unknown field "${key.slice(0, 32)}"`)
  const str = (item: unknown, name: string) => (typeof item === 'string' && item.length <= maxTextChars ? item : fail(`${name} is not a short text`))
  const list = (item: unknown, name: string) => (Array.isArray(item) && item.length <= maxListItems ? item.map((line) => str(line, name)) : fail(`${name} is not a list`))
  const count = (item: unknown, name: string) => (item === undefined ? undefined : Number.isInteger(item) && (item as number) >= 0 && (item as number) < 10000 ? (item as number) : fail(`${name} is not a count`))
  const minimum: EmergencyMinimum = {
    allergies: list(object.allergies, 'allergies'),
    medications: list(object.medications, 'medications'),
    problems: list(object.problems, 'problems'),
    updatedAt: str(object.updatedAt, 'updatedAt'),
  }
  if (object.bloodGroup !== undefined) minimum.bloodGroup = str(object.bloodGroup, 'bloodGroup')
  if (object.contact !== undefined) {
    const contact = typeof object.contact === 'object' && object.contact !== null ? (object.contact as Record<string, unknown>) : fail('contact is not an object')
    minimum.contact = {
      name: str(contact.name, 'contact name'),
      ...(contact.relation !== undefined ? { relation: str(contact.relation, 'contact relation') } : {}),
      ...(contact.phone !== undefined ? { phone: str(contact.phone, 'contact phone') } : {}),
    }
  }
  if (object.more !== undefined) {
    const more = typeof object.more === 'object' && object.more !== null ? (object.more as Record<string, unknown>) : fail('more is not an object')
    const counts = { allergies: count(more.allergies, 'more'), medications: count(more.medications, 'more'), problems: count(more.problems, 'more') }
    minimum.more = Object.fromEntries(Object.entries(counts).filter(([, item]) => item !== undefined))
  }
  return minimum
}
