import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { canonicalJson } from '../../envelope/canonicalJson.ts'
import type { FhirResource } from '../fhirTypes.ts'

/**
 * The same record imported twice gives the same fingerprint: sha256 of its canonical JSON
 * without `meta` (a server changes lastUpdated, versionId and source on every export).
 * Hex, 64 characters.
 */
export function recordFingerprint(resource: FhirResource): string {
  const { meta: _meta, ...content } = resource
  return bytesToHex(sha256(utf8ToBytes(canonicalJson(content))))
}
