import { hexToBytes, type Address, type Hash } from 'viem'
import { signTypedData } from 'viem/actions'
import type { ConsentPublicClient, ConsentWalletClient } from '../../chain/consent/consentClients.ts'
import { readGrant } from '../../chain/consent/readGrant.ts'
import { readGrantBundle } from '../../chain/consent/readGrantBundle.ts'
import { submitBreakGlass } from '../../chain/emergency/submitBreakGlass.ts'
import { maxResponderPassSeconds, responderPassTypedData, type ResponderCredential } from '../../core/consent/responderPass.ts'
import * as umbral from '../../crypto/umbral.ts'
import type { SalusNode } from '../../p2p/createBrowserNode.ts'
import { networkBlockAccess } from '../../p2p/networkBlockAccess.ts'
import { checkCancelled, silentProgress, type FlowProgress } from '../consent/flowProgress.ts'
import { openBundleRecords, type SharedRecord } from '../consent/openSharedRecords.ts'
import { emergencyCardAccount } from './emergencyCardAccount.ts'
import { EmergencyCardEndedError, EmergencyNetworkError } from './emergencyErrors.ts'

/** The steps readEmergencyCard reports through `progress`, in order. */
export const readEmergencyCardSteps = [
  'Checking the card on the chain',
  'Logging the break-glass on the chain',
  'Connecting to the care nodes',
  'Reading the emergency summary',
] as const

/** What of a card the read needs (ecore's decoded card has these fields). */
export type EmergencyCardRef = { chainId: number; grantId: bigint; cardSecret: Uint8Array }

export type ReadEmergencyCardParameters = {
  publicClient: ConsentPublicClient
  /** The responder's account: sends the break-glass and signs the pass (one wallet signature). */
  walletClient: ConsentWalletClient
  /** Before the write: an injected wallet is switched to the configured chain. */
  ensureChain(): Promise<void>
  deployment: { chainId: number; consent: Address; fromBlock: bigint; emergency: Address | undefined }
  /** The responder's running node, or a function that waits for it. */
  node: SalusNode | (() => Promise<SalusNode>)
  /** Care nodes' multiaddrs (with /p2p/): they keep the summary while the patient is offline. */
  careNodes: readonly string[]
  /** The directory's care nodes: the card bundle's proxies are found here by account. */
  directoryCareNodes(): Promise<readonly { account: Address; multiaddrs: readonly string[] }[]>
  /** Steps as in readEmergencyCardSteps. */
  progress?: FlowProgress
  signal?: AbortSignal
  catchUp?: { attempts: number; delayMs: number }
}

export type ReadEmergencyCardReturnType = {
  /** The summary records (IPS Bundles, scope summary), newest first. */
  records: SharedRecord[]
  breakGlass: { eventId: bigint; timestamp: number; txHash: Hash }
  close(): void
}

/**
 * A responder's break-glass read of an emergency card: checks the card's grant on chain,
 * logs a break-glass event from the responder's account (the patient sees it; it names no
 * patient), has the responder's wallet sign a pass for a fresh session key, then reads the
 * summary from the care nodes as the card's grantee, every request signed by the card key
 * and by the session key. The patient's device is not involved.
 */
export async function readEmergencyCard(card: EmergencyCardRef, p: ReadEmergencyCardParameters): Promise<ReadEmergencyCardReturnType> {
  const progress = p.progress ?? silentProgress
  const { publicClient, deployment, signal } = p
  if (card.chainId !== deployment.chainId) {
    throw new EmergencyNetworkError(`This card was made on network ${card.chainId}, but Salus is connected to ${deployment.chainId}. Switch to the card's network.`)
  }
  if (!deployment.emergency) throw new EmergencyNetworkError('This network has no Emergency contract, so emergency cards cannot be opened here.')
  const emergency = deployment.emergency

  progress.begin(0)
  const grant = await readGrant(publicClient, { consent: deployment.consent, grantId: card.grantId })
  if (grant.revoked) throw new EmergencyCardEndedError('revoked')
  if (grant.expiry * 1000 <= Date.now()) throw new EmergencyCardEndedError('expired')
  progress.finish(0)
  checkCancelled(signal)

  progress.begin(1)
  await p.ensureChain()
  const broken = await submitBreakGlass(p.walletClient, { emergency, grantId: card.grantId })
  progress.finish(1)
  checkCancelled(signal)

  progress.begin(2)
  const cardAccount = emergencyCardAccount(card.cardSecret)
  const sessionKey = umbral.SecretKey.random()
  const sessionSigner = new umbral.Signer(sessionKey)
  const sessionPublic = sessionSigner.verifyingKey()
  try {
    // One wallet signature for the whole read: the pass binds a session key that signs each request.
    const expires = Math.floor(Date.now() / 1000) + maxResponderPassSeconds - 60
    const sessionKeyBytes = sessionPublic.toCompressedBytes()
    const typed = responderPassTypedData({ chainId: deployment.chainId, consent: deployment.consent }, { grantId: card.grantId, sessionKey: sessionKeyBytes, expires })
    const signature = await signTypedData(p.walletClient, { account: p.walletClient.account, ...typed })
    const responder: ResponderCredential = {
      pass: { account: p.walletClient.account.address, sessionKey: sessionKeyBytes, expires, signature: hexToBytes(signature) },
      signer: sessionSigner,
    }
    const node = typeof p.node === 'function' ? await p.node() : p.node
    const blocks = networkBlockAccess(node, { timeoutMs: 20_000, providers: [...p.careNodes] })
    const { bundleCid } = await readGrantBundle(publicClient, { consent: deployment.consent, fromBlock: deployment.fromBlock, grantId: card.grantId, grantee: cardAccount.account })
    checkCancelled(signal)
    const { records, close } = await openBundleRecords({
      node,
      blocks,
      bundleCid,
      receivingSecretKey: cardAccount.receivingSecretKey,
      grantId: card.grantId,
      careNodes: p.careNodes,
      directoryCareNodes: p.directoryCareNodes,
      responder,
      progress,
      steps: { connect: 2, list: 3 },
      ...(p.catchUp ? { catchUp: p.catchUp } : {}),
    })
    return { records, breakGlass: { eventId: broken.eventId, timestamp: broken.timestamp, txHash: broken.txHash }, close }
  } finally {
    sessionPublic.free()
    sessionSigner.free()
    sessionKey.free()
    cardAccount.receivingSecretKey.free()
  }
}
