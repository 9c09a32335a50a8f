/**
 * The one place the emergency pages meet the other parts of issue 13: formats in
 * core/emergency, QR in core/qr, flows in flows/emergency. The pages and the state
 * classes call only these functions, each a thin join of the flows with the
 * signed-in account's context (consentContext) and the card's QR text.
 */
import type { Address, Hex } from 'viem'
import { listProviders } from '../../../chain/listProviders.ts'
import type { ProviderEntry } from '../../../chain/providerEntry.ts'
import { cardKeys } from '../../../core/emergency/cardKeys.ts'
import { cardShlink, cardVersion, decodeCard as decodeCardPayload, encodeCard, maxSealedMinimumBytes } from '../../../core/emergency/cardPayload.ts'
import { readEmergencySummary } from '../../../core/emergency/emergencySummaryView.ts'
import { openMinimum as openSealedMinimum, sealMinimumToFit, type EmergencyMinimum } from '../../../core/emergency/minimum.ts'
import type { FhirResource } from '../../../core/fhir/fhirTypes.ts'
import { renderQrSvg } from '../../../core/qr/renderQr.ts'
import { decryptShlFile, encryptShlFile } from '../../../core/emergency/shl.ts'
import { careSignerFor } from '../../../p2p/careAuth.ts'
import { deleteShlFile, putShlFile, shlFileUrl } from '../../../p2p/putShlFile.ts'
import { newShlId } from '../../../p2p/shlFileRequest.ts'
import { findBreakGlassReads, type BreakGlassRead } from '../../../flows/emergency/findBreakGlassReads.ts'
import { publishEmergencyCard, publishEmergencyCardSteps, type EmergencyCardGrant, type EmergencyPatientContext } from '../../../flows/emergency/publishEmergencyCard.ts'
import { readEmergencyCard, readEmergencyCardSteps } from '../../../flows/emergency/readEmergencyCard.ts'
import { rotateEmergencyCard } from '../../../flows/emergency/rotateEmergencyCard.ts'
import { updateEmergencySummary } from '../../../flows/emergency/updateEmergencySummary.ts'
import { EmergencyNetworkError } from '../../../flows/emergency/emergencyErrors.ts'
import type { PatientGrant } from '../../../flows/consent/findPatientGrants.ts'
import { createProverWorker, type ProverWorker } from '../../../zk/proveInWorker.ts'
import { careNodeAddresses, type ConsentContext } from '../consent/consentContext.ts'
import { consentSender } from '../consent/consentSender.ts'
import { proveConsent } from '../consent/proveConsent.ts'

export type { BreakGlassRead, EmergencyMinimum }

export type EmergencyContact = { name: string; relationship?: string; phone?: string }

/** The fields a patient types for the card (kept on this device; core/emergency/ips's EmergencyExtras is built from them). */
export type CardFields = {
  bloodGroup?: string
  implants: string[]
  advanceDirectives: string[]
  contacts: EmergencyContact[]
}

/** A decoded card, as far as the pages need it. */
export type CardView = { chainId: number; grantId: bigint; issuedAt: number; open: boolean }

/** Steps the flows report, by index (FlowProgress; StepsState takes these calls as they are). */
export type EmergencyProgress = { begin(step: number): void; detail(step: number, detail: string): void; finish(step: number): void }

export const publishSteps = publishEmergencyCardSteps
export const readSteps = readEmergencyCardSteps

export type PublishInput = {
  context: ConsentContext
  bundle: FhirResource
  open: boolean
  proxies: readonly ProviderEntry[]
  progress: EmergencyProgress
  signal: AbortSignal
}

export type RotateInput = PublishInput & { qrText: string; grant: PatientGrant; granteeKey: (grantee: Address) => Hex | undefined }

export type ReadInput = {
  /** The QR text. */
  text: string
  /** The signed-in responder's context (chain clients and node). */
  context: ConsentContext
  progress: EmergencyProgress
  signal: AbortSignal
}

let worker: ProverWorker | undefined

function patientContext(context: ConsentContext, proxies: readonly ProviderEntry[]): EmergencyPatientContext {
  const { workspace } = context
  return {
    config: context.config,
    deployment: { chainId: context.config.chainId, consent: context.consent.address },
    keys: workspace.keys,
    vault: workspace.vault,
    blocks: workspace.blocks,
    node: undefined as never,
    careNodes: careNodeAddresses(context),
    proxies,
    prove: (input) => proveConsent((worker ??= createProverWorker()), input),
  }
}

/** The QR text of a card: the grant, the secret, the minimum of `bundle` sealed with the card's minimum key, and an open card's link. */
async function cardText(grant: Pick<EmergencyCardGrant, 'chainId' | 'grantId' | 'cardSecret' | 'issuedAt'>, bundle: FhirResource, shl?: { url: string }): Promise<string> {
  const { sealed: sealedMinimum } = await sealMinimumToFit(readEmergencySummary(bundle), cardKeys(grant.cardSecret).minimumKey, {
    maxSealedBytes: maxSealedMinimumBytes({ ...(shl ? { shl } : {}), origin: location.origin }),
  })
  return encodeCard({ v: cardVersion, chainId: grant.chainId, grantId: grant.grantId, cardSecret: grant.cardSecret, issuedAt: grant.issuedAt, sealedMinimum, ...(shl ? { shl } : {}) }, location.origin)
}

/** The first care node with an HTTP server: it serves the open card's SMART Health Link file. */
function shlHost(context: ConsentContext): { baseUrl: string; peerId: string } {
  const node = context.config.careNodes.find((care) => care.httpUrl)
  if (!node?.httpUrl) throw new EmergencyNetworkError('No care node of this network serves SMART Health Links, so an open card cannot be made here. Keep the card protected.')
  return { baseUrl: node.httpUrl, peerId: node.peerId }
}

/** Puts the summary, encrypted with the card's SHL key (JWE dir/A256GCM), as link `id` on a care node; returns its URL. */
async function putOpenCardFile(context: ConsentContext, cardSecret: Uint8Array, bundle: FhirResource, id: string, signal?: AbortSignal): Promise<string> {
  const host = shlHost(context)
  const jwe = await encryptShlFile(JSON.stringify(bundle), cardKeys(cardSecret).shlKey, { compress: true })
  await putShlFile({ ...host, signer: careSignerFor(context.workspace.keys.preMasterSeed, host.peerId), id, jwe, ...(signal ? { signal } : {}) })
  return shlFileUrl(host.baseUrl, id)
}

const shlIdOf = (url: string) => url.slice(url.lastIndexOf('/') + 1)

/** An open card's SMART Health Link (`shlink:/…`, flag U): any SHL viewer opens it. Undefined for a protected card. */
export function shlinkOf(text: string): string | undefined {
  return cardShlink(decodeCardPayload(text), location.origin)
}

/** The critical minimum a protected card made from `bundle` carries (the patient's preview of it). */
export async function minimumOf(bundle: FhirResource): Promise<EmergencyMinimum> {
  const { minimum } = await sealMinimumToFit(readEmergencySummary(bundle), new Uint8Array(32), { maxSealedBytes: maxSealedMinimumBytes({ origin: location.origin }) })
  return minimum
}

export function decodeCard(text: string): CardView {
  const card = decodeCardPayload(text)
  return { chainId: card.chainId, grantId: card.grantId, issuedAt: card.issuedAt, open: card.shl !== undefined }
}

/** The minimum inside the QR, opened with the card's key: no network. */
export async function openMinimum(text: string): Promise<EmergencyMinimum> {
  const card = decodeCardPayload(text)
  return openSealedMinimum(card.sealedMinimum, cardKeys(card.cardSecret).minimumKey)
}

export function qrSvg(text: string): string {
  return renderQrSvg(text)
}

/** A new card: the summary added to the vault, `summary` granted to the card's account, the QR made. */
export async function publishCard(input: PublishInput): Promise<{ qrText: string; grantId: bigint }> {
  const node = await input.context.node()
  const grant = await publishEmergencyCard({ ...patientContext(input.context, input.proxies), node, summaryRecord: input.bundle, progress: input.progress, signal: input.signal })
  const shl = input.open ? { url: await putOpenCardFile(input.context, grant.cardSecret, input.bundle, newShlId(), input.signal) } : undefined
  return { qrText: await cardText(grant, input.bundle, shl), grantId: grant.grantId }
}

/** A new summary behind the same card (the card keeps working). Its QR, and so its minimum, stay as printed. */
export async function updateCard(input: PublishInput & { qrText: string; grantId: bigint }): Promise<{ qrText: string; grantId: bigint }> {
  const node = await input.context.node()
  const context = patientContext(input.context, input.proxies)
  input.progress.begin(2)
  await updateEmergencySummary({
    vault: context.vault,
    blocks: context.blocks,
    node,
    careNodes: context.careNodes,
    keys: context.keys,
    summaryRecord: input.bundle,
    onProgress: (done, total) => input.progress.detail(2, `${done} of ${total}`),
  })
  // An open card's link gets the new summary under the same id: the printed card keeps working.
  const card = decodeCardPayload(input.qrText)
  if (card.shl) await putOpenCardFile(input.context, card.cardSecret, input.bundle, shlIdOf(card.shl.url), input.signal)
  input.progress.finish(2)
  return { qrText: input.qrText, grantId: input.grantId }
}

/** Revokes the old card's grant (it stops at once), then publishes a new card. */
export async function rotateCard(input: RotateInput): Promise<{ qrText: string; grantId: bigint }> {
  const node = await input.context.node()
  const { context } = input
  const { card } = await rotateEmergencyCard({
    ...patientContext(context, input.proxies),
    vault: context.workspace.vault,
    node,
    summaryRecord: input.bundle,
    publicClient: context.publicClient,
    fromBlock: BigInt(context.consent.deployBlock),
    oldGrantId: input.grant.grantId,
    sender: () => consentSender(context),
    granteeKey: input.granteeKey,
    progress: input.progress,
    signal: input.signal,
  })
  // The old open card's link goes too: its file is deleted from the care node.
  const old = decodeCardPayload(input.qrText)
  if (old.shl) {
    const host = shlHost(context)
    await deleteShlFile({ ...host, signer: careSignerFor(context.workspace.keys.preMasterSeed, host.peerId), id: shlIdOf(old.shl.url) }).catch((error: unknown) => console.warn('Salus: the old open card link was not deleted', error))
  }
  const shl = input.open ? { url: await putOpenCardFile(context, card.cardSecret, input.bundle, newShlId(), input.signal) } : undefined
  return { qrText: await cardText(card, input.bundle, shl), grantId: card.grantId }
}

/** The responder's break-glass read: logged on chain, then the summary through the proxies. */
export async function readCard(input: ReadInput): Promise<{ bundle: FhirResource; txHash: Hex }> {
  const { context } = input
  const card = decodeCardPayload(input.text)
  const emergency = context.config.contracts.Emergency
  const result = await readEmergencyCard(card, {
    publicClient: context.publicClient,
    walletClient: context.walletClient,
    ensureChain: () => context.ensureChain(),
    deployment: { chainId: context.config.chainId, consent: context.consent.address, fromBlock: BigInt(context.consent.deployBlock), emergency: emergency?.address },
    node: () => context.node(),
    careNodes: careNodeAddresses(context),
    directoryCareNodes: async () => (await listProviders(context.publicClient, { registry: context.config.contracts.Registry.address })).filter((entry) => entry.role === 'careNode'),
    progress: input.progress,
    signal: input.signal,
  })
  try {
    const newest = result.records.find((record) => record.resource.resourceType === 'Bundle')
    if (!newest) throw new EmergencyNetworkError('The care nodes hold no summary for this card yet. Ask again in a minute, or treat from the minimum shown.')
    return { bundle: newest.resource, txHash: result.breakGlass.txHash }
  } finally {
    result.close()
  }
}

/** An open card's summary over its SMART Health Link (no account). */
export async function readOpenCard(text: string, options: { signal?: AbortSignal }): Promise<FhirResource> {
  const card = decodeCardPayload(text)
  if (!card.shl) throw new EmergencyNetworkError('This card is not an open card: a certified responder reads it with a break-glass read.')
  const url = new URL(card.shl.url)
  url.searchParams.set('recipient', 'Salus responder page')
  const response = await fetch(url, { ...(options.signal ? { signal: options.signal } : {}) })
  if (response.status === 404) throw new EmergencyNetworkError('This open card no longer works: the patient replaced it. Look for a newer card, or treat from the minimum shown.')
  if (!response.ok) throw new EmergencyNetworkError(`The care node holding this card answered ${response.status}. Try again, or treat from the minimum shown.`)
  const { content } = await decryptShlFile(await response.text(), cardKeys(card.cardSecret).shlKey)
  return JSON.parse(content) as FhirResource
}

/** Break-glass reads of the patient's card grants. */
export async function findReads(context: ConsentContext, grants: readonly PatientGrant[]): Promise<BreakGlassRead[]> {
  const emergency = context.config.contracts.Emergency
  if (!emergency || grants.length === 0) return []
  return findBreakGlassReads(context.publicClient, {
    deployment: {
      emergency: { address: emergency.address, fromBlock: BigInt(emergency.deployBlock) },
      registry: { address: context.config.contracts.Registry.address, fromBlock: BigInt(context.config.contracts.Registry.deployBlock) },
    },
    grantIds: grants.map((grant) => grant.grantId),
  })
}
