import type { VerificationKey } from 'snarkjs'
import { circuitArtifactUrls } from '../../../zk/circuits.ts'
import { fetchArtifact } from '../../../zk/fetchArtifact.ts'

let loading: Promise<VerificationKey> | undefined

/** The consent circuit's verification key, served with the app (public/zk/consent.vkey.json); fetched once per page. */
export function consentVerificationKey(): Promise<VerificationKey> {
  loading ??= fetchArtifact({ url: circuitArtifactUrls('consent').vkey, maxBytes: 64 * 1024 })
    .then((bytes) => JSON.parse(new TextDecoder().decode(bytes)) as VerificationKey)
    .catch((error: unknown) => {
      loading = undefined
      throw error
    })
  return loading
}
