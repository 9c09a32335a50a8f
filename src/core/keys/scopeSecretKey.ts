import { labelledSecretKey, type SecretKey } from '../../crypto/umbral.ts'
import { isScope, type Scope } from '../scopes.ts'

/** The delegating key of one scope in one epoch: rotating a scope bumps its epoch. */
export function scopeSecretKey(preMasterSeed: Uint8Array, scope: Scope, epoch: number): SecretKey {
  if (!isScope(scope)) throw new TypeError(`unknown scope ${String(scope)}`)
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new TypeError('epoch must be a non-negative integer')
  return labelledSecretKey(preMasterSeed, `scope/${scope}/${epoch}`)
}
