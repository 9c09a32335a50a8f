import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** The card's grant was revoked (the patient made a new card) or has expired. */
export class EmergencyCardEndedError extends SalusError {
  override name = 'EmergencyCardEndedError' as const
  readonly reason: 'revoked' | 'expired'
  constructor(reason: 'revoked' | 'expired', parameters: SalusErrorParameters = {}) {
    super(
      reason === 'revoked'
        ? 'This emergency card no longer works: the patient replaced it with a new card. Look for a newer card (wallet, phone lock screen).'
        : 'This emergency card has expired. Look for a newer card (wallet, phone lock screen).',
      parameters,
    )
    this.reason = reason
  }
}

/** The card was made on another network than the one this app is connected to, or the network has no Emergency contract. */
export class EmergencyNetworkError extends SalusError {
  override name = 'EmergencyNetworkError' as const
  constructor(shortMessage: string, parameters: SalusErrorParameters = {}) {
    super(shortMessage, parameters)
  }
}

/** The card to replace is not one of this patient's grants on this network. */
export class EmergencyCardNotFoundError extends SalusError {
  override name = 'EmergencyCardNotFoundError' as const
  constructor(grantId: bigint, parameters: SalusErrorParameters = {}) {
    super(`Card ${grantId} is not one of your emergency cards on this network. Reload the page; if it is still missing, publish a new card.`, parameters)
  }
}
