import { SalusError, type SalusErrorParameters } from '../errors/salusError.ts'

/** Why a peer message was refused; sent back to the peer as `code`. */
export type PeerMessageCode = 'too-large' | 'malformed' | 'timeout' | 'closed'

/** A message from a peer broke the protocol: too big, badly encoded, or a field out of range. */
export class PeerMessageError extends SalusError {
  override name = 'PeerMessageError' as const
  readonly code: PeerMessageCode
  constructor(code: PeerMessageCode, details: string, parameters: SalusErrorParameters = {}) {
    super('A peer sent a message Salus could not accept. Try again; if it keeps happening, the other side may run an incompatible version.', {
      ...parameters,
      details,
    })
    this.code = code
  }
}

/** Why a care node refused or failed a pin request. */
export type PinErrorCode =
  | 'too-large'
  | 'malformed'
  | 'fetch-failed'
  | 'limit-exceeded'
  | 'busy'
  | 'timeout'
  | 'unreachable'
  | 'internal'
  | 'unauthorized'
  | 'unregistered'
  | 'registrations-full'
  | 'quota-exceeded'
  | 'rate-limited'

/** A care node did not pin what was asked; `code` says why. */
export class PinRequestError extends SalusError {
  override name = 'PinRequestError' as const
  readonly code: PinErrorCode
  /** With `unregistered`: the registration work the care node asks for. */
  workBits?: number
  constructor(code: PinErrorCode, details: string, parameters: SalusErrorParameters = {}) {
    super(pinShortMessages[code], { ...parameters, details })
    this.code = code
  }
}

const pinShortMessages: Record<PinErrorCode, string> = {
  'too-large': 'Too many records were sent to the care node at once. Try again with fewer records.',
  malformed: 'The care node did not understand the request. Update Salus and try again.',
  'fetch-failed':
    'The care node could not download your encrypted records from this browser. Keep this tab open and online, then try again.',
  'limit-exceeded': 'These records are larger than the care node accepts. Ask the care node operator, or choose fewer records.',
  busy: 'The care node is busy storing records for others. Try again in a minute.',
  timeout: 'The care node took too long to answer. Check your connection and try again.',
  unreachable: 'The care node could not be reached. Check your connection, or try another care node.',
  internal: 'The care node had a problem storing your records. Try again later.',
  unauthorized: 'The care node did not accept the request’s signature. Check your computer’s clock and try again.',
  unregistered: 'The care node does not know this browser’s storage key yet. Salus registers it; try again.',
  'registrations-full': 'The care node accepts no new patients right now. Try again in an hour, or choose another care node.',
  'quota-exceeded': 'Your storage on this care node is full. Remove records you no longer share, or choose another care node.',
  'rate-limited': 'Too many requests were sent to the care node. Wait a minute and try again.',
}

/** The node could not be set up from the given configuration. */
export class P2pConfigError extends SalusError {
  override name = 'P2pConfigError' as const
  constructor(details: string, parameters: SalusErrorParameters = {}) {
    super('Salus could not start its peer-to-peer connection. Reload the page; if it persists, check the network configuration.', {
      ...parameters,
      details,
    })
  }
}
