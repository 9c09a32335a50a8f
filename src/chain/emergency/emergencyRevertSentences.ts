/** One sentence per custom error of contracts/Emergency.sol; ContractRefusedError shows it (src/chain/chainErrors.ts). */
export const emergencyRevertSentences: Record<string, string> = {
  Emergency__ZeroAddress: 'An address is missing in the deployment.',
  Emergency__NotResponder: 'Only a certified responder can open an emergency card. Ask your EMS authority to certify this account.',
  Emergency__GrantNotActive: 'This emergency card no longer works: the patient replaced it or it expired. Ask for the patient’s current card.',
  Emergency__NotEmergencyGrant: 'This is not an emergency card: a break-glass opens only a patient’s emergency summary.',
}
