import { SalusError, type SalusErrorParameters } from '../../errors/salusError.ts'

/** The item's signature or its doctor did not check out on chain: nothing was added. */
export class InboxItemUnverifiedError extends SalusError {
  override name = 'InboxItemUnverifiedError' as const
  constructor(detail: string, parameters: SalusErrorParameters = {}) {
    super(`This item was not added to your records: ${detail} Decline it, or ask the doctor to send it again.`, parameters)
  }
}

/** An amend or withdraw names an earlier item this vault does not hold (declined, or never received). */
export class InboxTargetMissingError extends SalusError {
  override name = 'InboxTargetMissingError' as const
  constructor(itemId: string) {
    super('This change refers to a record you did not accept, so there is nothing to change. Decline it with a short reason.', {
      details: `no record accepted from item ${itemId}`,
    })
  }
}

/** No consent contract or no peer-to-peer node: nothing can arrive or be answered. */
export class InboxUnavailableError extends SalusError {
  override name = 'InboxUnavailableError' as const
  constructor(parameters: SalusErrorParameters = {}) {
    super('Your inbox is not connected on this network (no consent contract or no peer-to-peer connection). Reload the page, or try again later.', parameters)
  }
}
