/** One sentence per custom error of contracts/Registry.sol (and the AccessControl it inherits); ContractRefusedError shows it (src/chain/chainErrors.ts). */
export const registryRevertSentences: Record<string, string> = {
  Registry__AlreadyRegistered: 'This account is already in the directory. Update its entry instead.',
  Registry__NotRegistered: 'This account is not in the provider directory yet.',
  Registry__EmptyName: 'Enter a name for the directory entry.',
  Registry__FieldTooLong: 'One of the directory fields is too long. Shorten it and try again.',
  Registry__InvalidUmbralPublicKey: 'The re-encryption public key is not a valid compressed key (33 bytes).',
  Registry__TooManyMultiaddrs: 'Too many network addresses: list at most 8.',
  Registry__NotAProviderRole: 'That role cannot be certified: choose doctor, pharmacist, responder, insurer or care node.',
  Registry__NotAnAuthorityRole: 'That role is not an authority role.',
  Registry__ZeroAddress: 'An account address is missing.',
  Registry__IndexOutOfRange: 'That directory entry does not exist.',
  AccessControlUnauthorizedAccount:
    'This account is not allowed to do that: only the registrar appoints or dismisses authorities, and only the matching authority certifies or decertifies its providers. Sign in with that account.',
}
