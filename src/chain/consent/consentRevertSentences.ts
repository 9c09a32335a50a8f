/** One sentence per custom error of contracts/Consent.sol; ContractRefusedError shows it (src/chain/chainErrors.ts). */
export const consentRevertSentences: Record<string, string> = {
  Consent__ZeroAddress: 'An address is missing in the deployment.',
  Consent__NotGrantee: 'Only the doctor this consent names can do that. Switch to that doctor’s account.',
  Consent__ExpiryNotInFuture: 'This consent has already expired. Ask the patient for a new one.',
  Consent__ExpiryTooLate: 'The consent’s expiry date is too far in the future. Ask the patient to choose an earlier one.',
  Consent__InvalidScopes: 'The consent names no valid record scope. Ask the patient to send it again.',
  Consent__InvalidThreshold: 'The consent requires no proxies at all, which is not allowed. Ask the patient to send it again.',
  Consent__InvalidProxiesHash: 'The consent’s list of proxies is malformed. Ask the patient to send it again.',
  Consent__InvalidBundleCid: 'The consent’s key bundle address is missing or too long. Ask the patient to send it again.',
  Consent__ProofReplayed: 'This consent has already been recorded on chain. Look for it in your list of patients.',
  Consent__InvalidProof: 'The proof does not match this request, so nothing was recorded. Ask the patient to make it again.',
  Consent__UnknownGrant: 'This grant does not exist on this network.',
  Consent__AlreadyRevoked: 'This grant has already been revoked.',
  Consent__GrantRevoked: 'The patient has revoked this access. Ask them for a new consent if you still need it.',
  Consent__GrantExpired: 'This access has expired. Ask the patient for a new consent if you still need it.',
  Consent__ScopeNotGranted: 'The patient did not grant access to these records.',
  Consent__NotCurrentBundle: 'This grant’s key bundle has changed since your app last read it. Reload and try again.',
}
