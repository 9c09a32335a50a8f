/**
 * The one place the emergency pages meet the other parts of issue 13 (formats in
 * core/emergency, QR in core/qr, flows in flows/emergency). The pages and state
 * classes import only from here, so a change of signature there is a change here.
 */
import type { Address, Hex } from 'viem'
import { SalusError } from '../../../errors/salusError.ts'
import { renderQrSvg } from '../../../core/qr/renderQr.ts'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'
import type { ConsentContext } from '../consent/consentContext.ts'
import type { PatientGrant } from '../../../flows/consent/findPatientGrants.ts'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'

export type EmergencyContact = { name: string; relationship?: string; phone?: string }

/** The fields a patient types for the card (kept on this device; core/emergency/ips's EmergencyExtras is built from them). */
export type CardFields = {
  bloodGroup?: string
  implants: string[]
  advanceDirectives: string[]
  contacts: EmergencyContact[]
}

export type EmergencyMinimum = {
  allergies: string[]
  medications: string[]
  problems: string[]
  bloodGroup?: string
  contact?: EmergencyContact
  updatedAt: number
}

export type BreakGlassRead = { grantId: bigint; responder: Address; authority: Address | undefined; at: number; txHash?: Hex }

export class EmergencyPartMissingError extends SalusError {
  override name = 'EmergencyPartMissingError' as const
  constructor(what: string) {
    super(`${what} is not part of this build yet.`)
  }
}

/** A decoded card, as far as the pages need it (core/emergency/cardPayload's EmergencyCard). */
export type CardView = { chainId: number; grantId: bigint; issuedAt: number; open: boolean }

/** Steps the flows report, by index, as FlowProgress does. */
export type EmergencyProgress = { begin(step: number): void; detail(step: number, detail: string): void; finish(step: number): void }

const missing = (what: string) => (): never => {
  throw new EmergencyPartMissingError(what)
}

/** The parts' functions, set by the adapter below (one object, so a test or a bench can see what is wired). */
export const parts = {
  /** The QR text's card (ecore: decodeCard) and its embedded minimum (decrypted with the card's minimum key). */
  decodeCard: missing('Reading an emergency card') as (text: string) => CardView,
  openMinimum: missing('Reading the card minimum') as (text: string) => Promise<EmergencyMinimum>,
  /** The minimum the card will carry, from a summary (ecore). */
  minimumOf: missing('The card minimum') as (bundle: FhirResource) => EmergencyMinimum,
  /** QR (core/qr). */
  renderQrSvg: (text: string): string => renderQrSvg(text),
  /** Publish a new card (glass: publishEmergencyCard). Steps: see publishSteps. */
  publishCard: missing('Publishing the emergency card') as (input: PublishInput) => Promise<{ qrText: string; grantId: bigint }>,
  /** A new summary behind the same card (the card keeps working). */
  updateCard: missing('Updating the emergency card') as (input: PublishInput & { qrText: string }) => Promise<{ qrText: string; grantId: bigint }>,
  /** Revokes the card's grant (the old card stops at once) and makes a new one. */
  rotateCard: missing('Rotating the emergency card') as (input: PublishInput & { qrText: string; grant: PatientGrant }) => Promise<{ qrText: string; grantId: bigint }>,
  /** The responder's break-glass read (glass: readEmergencyCard). Steps: see readSteps. */
  readCard: missing('Reading the full summary') as (input: ReadInput) => Promise<{ bundle: FhirResource }>,
  /** An open card's summary over its SMART Health Link (no account). */
  readOpenCard: missing('Opening an open card') as (text: string, options: { signal?: AbortSignal }) => Promise<FhirResource>,
  /** Break-glass reads of the patient's card grants (glass: findBreakGlassReads). */
  findReads: missing('Reading the emergency access history') as (input: { context: ConsentContext; grants: readonly PatientGrant[] }) => Promise<BreakGlassRead[]>,
}

export type PublishInput = {
  context: ConsentContext
  bundle: FhirResource
  open: boolean
  proxies: readonly ProviderEntry[]
  progress: EmergencyProgress
  signal: AbortSignal
}

export type ReadInput = {
  /** The QR text. */
  text: string
  /** The signed-in responder's context (chain clients and node). */
  context: ConsentContext
  progress: EmergencyProgress
  signal: AbortSignal
}

export const publishSteps = ['Checking the summary', 'Copying the summary to the care nodes', 'Making the card key and its grant', 'Sending the grant to the chain'] as const
export const readSteps = ['Logging the break-glass read on chain', 'Asking the care nodes', 'Opening the summary'] as const
