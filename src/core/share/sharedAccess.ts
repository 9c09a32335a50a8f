import type * as umbral from '../../crypto/umbral.ts'
import type { KeyFragmentBundle } from '../consent/keyFragmentBundle.ts'
import type { Scope } from '../scopes.ts'
import { NotSharedError } from './shareErrors.ts'
import { unwrapThroughProxies, type FragmentSource } from './unwrapThroughProxies.ts'

/** What a grantee holds for one grant: the bundle's public keys, their own key, and the proxies to ask. */
export type SharedAccess = {
  /** The grant's key-fragment bundle, opened with the grantee's key (only its public parts are used here). */
  bundle: KeyFragmentBundle
  receivingSecretKey: umbral.SecretKey
  /** Proxies in order of preference, already bound to the grant and the grantee's signer. */
  sources: FragmentSource[]
}

/** An `unwrapKey` for `openRecord`/`openManifest` that goes through the grant's proxies. */
export function sharedUnwrapKey(
  access: SharedAccess,
  scope: Scope,
  epoch: number,
): (capsule: Uint8Array, wrappedKey: Uint8Array) => Promise<Uint8Array> {
  const granted = access.bundle.scopes.find((s) => s.scope === scope)
  if (!granted) throw new NotSharedError(`the grant does not cover ${scope}`)
  const entry = granted.epochs.find((e) => e.epoch === epoch)
  if (!entry) throw new NotSharedError(`${scope} epoch ${epoch} is not among the granted epochs ${granted.epochs.map((e) => e.epoch).join(', ')}`)
  return async (capsule, wrappedKey) => {
    const [dataKey] = await unwrapThroughProxies({
      scope,
      epoch,
      items: [{ capsule, wrappedKey }],
      threshold: access.bundle.threshold,
      verifyingKey: access.bundle.grantKey,
      delegatingKey: entry.delegatingKey,
      receivingSecretKey: access.receivingSecretKey,
      sources: access.sources,
    })
    return dataKey!
  }
}
