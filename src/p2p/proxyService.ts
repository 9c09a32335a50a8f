import * as umbral from '../crypto/umbral.ts'
import { CID } from 'multiformats/cid'
import { bytesToHex, type Address } from 'viem'
import { proxiesCommitment } from '../chain/consent/proxiesCommitment.ts'
import { parseCapsuleRequest, requestFreshnessSeconds, verifyCapsuleRequestSignature, verifyResponderRequestSignature } from '../core/consent/capsuleRequest.ts'
import { CapsuleRequestError } from '../core/consent/consentErrors.ts'
import { isCapsuleBatch, parseCapsuleBatch, verifyCapsuleBatchSignature, verifyResponderBatchSignature, type CapsuleBatchRequest } from '../core/consent/capsuleBatchRequest.ts'
import { verifyHeadReadResponderSignature, verifyHeadReadSignature, type HeadReadGrant } from '../core/consent/headReadRequest.ts'
import { maxResponderPassSeconds, responderPassSigner, type ResponderPass } from '../core/consent/responderPass.ts'
import { sameBytes } from '../core/consent/untrustedFields.ts'
import type { Scope } from '../core/scopes.ts'
import { bundleScopesMask, openMyKeyFragments, type KeyFragmentBundle, type OpenedKeyFragments } from '../core/consent/keyFragmentBundle.ts'
import { scopes } from '../core/scopes.ts'
import type { PreRefusalCode } from '../core/share/shareErrors.ts'
import type { GrantOracle, GrantState } from './grantOracle.ts'
import type { PreBatchResponse, PreBatchResult, PreResponse } from './preProtocol.ts'
import { MalformedCapsuleError, reencryptInThread, type ReencryptCapsules } from './reencryptCapsules.ts'

export type ProxyServiceParameters = {
  oracle: GrantOracle
  /** This proxy's account (as listed in bundles) and its Umbral secret key. */
  proxy: { address: Address; secretKey: umbral.SecretKey }
  /** Fetches a bundle block by CID (over Helia), verified against the CID. */
  fetchBundle: (cid: CID) => Promise<Uint8Array>
  /** Used when the oracle does not tell the contract's SESSION_TTL. */
  sessionTtlSeconds?: number
  /** Grants whose fragments stay in memory. */
  maxCachedGrants?: number
  /**
   * Where capsules are re-encrypted; in this thread by default. A care node in Node
   * passes a worker pool (reencryptPool.ts) so every core re-encrypts.
   */
  reencryptCapsules?: ReencryptCapsules
  now?: () => number
  log?: (line: string) => void
}

export type ProxyService = {
  /** Answers one decoded, untrusted request, single (v2, v3) or batch (v4); never throws. */
  handle(message: unknown): Promise<PreResponse | PreBatchResponse>
  /** Fetches and opens a grant's bundle ahead of the first request (called when a grant event is seen). */
  prefetch(grantId: bigint): Promise<void>
  /**
   * Decides a head read: undefined when `grant` is signed by the grantee of an active grant
   * covering the scope whose bound bundle (this proxy holds fragments of it) names the
   * head's author; otherwise the reason it is refused.
   */
  authorizeHeadRead(read: { author: Uint8Array; scope: Scope; grant: HeadReadGrant }): Promise<string | undefined>
  /** Drops a grant's fragments (revocation seen); the chain check refuses it anyway. */
  forget(grantId: bigint): void
  stop(): void
}

/** Capsules of a batch re-encrypted per job (a pool of threads shares a large group). */
const batchChunk = 64

class Refusal extends Error {
  constructor(
    readonly code: PreRefusalCode,
    message: string,
  ) {
    super(message)
  }
}

/**
 * The re-encryption proxy of a care node. It holds key fragments, never a key, and
 * re-encrypts only for an active, unexpired grant covering the scope, a fresh
 * request signed by the grantee's registered key, and a logged access session,
 * reading the grant from the oracle before every request.
 */
export function createProxyService(parameters: ProxyServiceParameters): ProxyService {
  const { oracle, proxy, fetchBundle, log = () => {} } = parameters
  const reencryptCapsules: ReencryptCapsules = parameters.reencryptCapsules ?? (async ({ kfrag, capsules }) => reencryptInThread(kfrag, capsules))
  const now = parameters.now ?? (() => Math.floor(Date.now() / 1000))
  const maxCached = parameters.maxCachedGrants ?? 10_000
  const bundles = new Map<string, { cid: string; opened: Promise<OpenedKeyFragments> }>()
  const nonces = new Map<string, number>()

  const fragmentsOf = (grantId: bigint, bundleCid: string): Promise<OpenedKeyFragments> => {
    const key = grantId.toString(16)
    const cached = bundles.get(key)
    if (cached && cached.cid === bundleCid) return cached.opened
    if (cached) void cached.opened.then((o) => o.free(), () => {})
    const opened = (async () => {
      const cid = CID.parse(bundleCid)
      return openMyKeyFragments(await fetchBundle(cid), { proxyAddress: proxy.address, proxySecretKey: proxy.secretKey })
    })()
    bundles.set(key, { cid: bundleCid, opened })
    // A failed fetch is not remembered: the next request tries again.
    opened.catch(() => {
      if (bundles.get(key)?.opened === opened) bundles.delete(key)
    })
    while (bundles.size > maxCached) {
      const [oldest, entry] = bundles.entries().next().value as [string, { opened: Promise<OpenedKeyFragments> }]
      bundles.delete(oldest)
      void entry.opened.then((o) => o.free(), () => {})
    }
    return opened
  }

  const checkNonce = (grantId: bigint, nonce: Uint8Array, at: number): void => {
    // Insertion order is arrival order, so expired nonces sit at the front.
    for (const [key, expires] of nonces) {
      if (expires > at) break
      nonces.delete(key)
    }
    const key = `${grantId.toString(16)}:${Array.from(nonce, (byte) => byte.toString(16).padStart(2, '0')).join('')}`
    if (nonces.has(key)) throw new Refusal('stale-request', 'this request was already answered')
    nonces.set(key, at + 2 * requestFreshnessSeconds)
  }

  /**
   * A break-glass read of an emergency card (issue 13), checked before anything of the
   * grant is served: the grant is an emergency card's (scopes exactly `summary`); the
   * responder's pass is signed by its account for this grant and deployment, and the
   * request by its session key; the request is signed by the card key, the receiving key
   * of the grant's bound bundle (a card has no directory entry; only the patient could
   * bind that bundle); then, read from the chain now, the grant is live, the responder
   * holds RESPONDER, and broke the glass on this grant within BREAK_GLASS_TTL.
   * Returns the grant's opened fragments; throws a Refusal.
   */
  const authorizeBreakGlass = async (read: {
    grantId: bigint
    scope: Scope
    grant: GrantState
    at: number
    pass: ResponderPass
    nonce: Uint8Array
    signedByCard: (cardKey: Uint8Array) => boolean
    signedBySession: () => boolean
  }): Promise<OpenedKeyFragments> => {
    const { grantId, grant, at, pass } = read
    const emergency = oracle.emergency
    if (!emergency) throw new Refusal('no-break-glass', 'this care node answers no break-glass reads (no Emergency contract configured)')
    if (grant.scopesMask !== 1 << scopes.indexOf('summary')) throw new Refusal('not-emergency-grant', `grant ${grantId} is not an emergency card (its scopes are not exactly summary)`)
    if (pass.expires < at) throw new Refusal('stale-request', `the responder's pass expired at ${pass.expires}`)
    if (pass.expires > at + maxResponderPassSeconds + requestFreshnessSeconds) throw new Refusal('malformed', `the responder's pass runs longer than ${maxResponderPassSeconds} s`)
    if (!read.signedBySession()) throw new Refusal('bad-signature', 'the request is not signed by the responder’s session key')
    if (!(await responderPassSigner(pass, { chainId: grant.chainId, consent: grant.consent }, grantId))) {
      throw new Refusal('bad-signature', 'the responder’s pass is not signed by its account for this grant')
    }
    if (!grant.bundleCid) throw new Refusal('no-fragment', 'no key-fragment bundle is bound to this grant')
    const opened = await openedFragments(grantId, grant)
    if (!read.signedByCard(opened.bundle.receivingKey)) throw new Refusal('bad-signature', 'the request is not signed by the emergency card’s key')
    checkNonce(grantId, read.nonce, at)
    if (grant.revoked) throw new Refusal('revoked', 'the emergency card was replaced (its grant is revoked)')
    if (grant.expiry <= at) throw new Refusal('expired', `the emergency card expired at ${grant.expiry}`)
    if ((grant.scopesMask & (1 << scopes.indexOf(read.scope))) === 0) throw new Refusal('scope-not-granted', `${read.scope} is not granted`)
    const [responder, brokeAt, ttl] = await Promise.all([emergency.isResponder(pass.account), emergency.breakGlassAt(grantId, pass.account), emergency.breakGlassTtl()])
    if (!responder) throw new Refusal('not-responder', `${pass.account} is not a certified responder now`)
    if (brokeAt <= 0 || brokeAt + ttl < at) throw new Refusal('no-break-glass', `${pass.account} logged no break-glass on grant ${grantId} within ${ttl} s`)
    return opened
  }

  /** The grant's bound bundle opened for this proxy; throws 'no-fragment' or 'not-bound'. */
  const openedFragments = async (grantId: bigint, grant: GrantState): Promise<OpenedKeyFragments> => {
    let opened: OpenedKeyFragments
    try {
      opened = await fragmentsOf(grantId, grant.bundleCid)
    } catch (error) {
      log(`grant ${grantId}: bundle ${grant.bundleCid} unusable: ${error instanceof Error ? error.message : String(error)}`)
      throw new Refusal('no-fragment', `bundle ${grant.bundleCid} unusable: ${error instanceof Error ? error.message.slice(0, 200) : String(error)}`)
    }
    const unbound = bindingMismatch(opened.bundle, grant)
    if (unbound) {
      log(`grant ${grantId}: bundle ${grant.bundleCid} refused: ${unbound}`)
      throw new Refusal('not-bound', `the bundle was not made for this grant (${unbound})`)
    }
    return opened
  }

  const reencrypt = async (message: unknown): Promise<Uint8Array[]> => {
    const request = parseCapsuleRequest(message)
    // Cheapest first: a stale request costs nothing; the grant and the grantee's key come
    // from the oracle's caches; the session is read only for a request the grantee signed.
    const at = now()
    if (Math.abs(at - request.timestamp) > requestFreshnessSeconds) throw new Refusal('stale-request', `timestamp ${request.timestamp} is not within ${requestFreshnessSeconds} s of ${at}`)
    const grant = await oracle.grant(request.grantId)
    if (!grant) throw new Refusal('unknown-grant', `grant ${request.grantId} is not on chain`)
    if (request.responder) {
      const opened = await authorizeBreakGlass({
        grantId: request.grantId,
        scope: request.scope,
        grant,
        at,
        pass: request.responder,
        nonce: request.nonce,
        signedByCard: (cardKey) => verifyCapsuleRequestSignature(request, cardKey),
        signedBySession: () => verifyResponderRequestSignature(request),
      })
      return reencryptWith(opened, grant, request)
    }
    const granteeKey = await oracle.granteeKey(grant.grantee)
    if (!granteeKey || !verifyCapsuleRequestSignature(request, granteeKey)) {
      throw new Refusal('bad-signature', 'the request is not signed by the grantee’s registered key')
    }
    checkNonce(request.grantId, request.nonce, at)
    const lastSession = await oracle.lastSession(request.grantId, request.scope)
    if (grant.revoked) throw new Refusal('revoked', 'the grant was revoked')
    if (grant.expiry <= at) throw new Refusal('expired', `the grant expired at ${grant.expiry}`)
    if ((grant.scopesMask & (1 << scopes.indexOf(request.scope))) === 0) throw new Refusal('scope-not-granted', `${request.scope} is not granted`)
    const ttl = (await oracle.sessionTtl?.()) ?? parameters.sessionTtlSeconds ?? 3600
    if (lastSession <= 0 || lastSession + ttl < at) throw new Refusal('no-session', `no access session on ${request.scope} within the session TTL`)
    if (!grant.bundleCid) throw new Refusal('no-fragment', 'no key-fragment bundle is bound to this grant')
    return reencryptWith(await openedFragments(request.grantId, grant), grant, request)
  }

  const reencryptWith = async (opened: OpenedKeyFragments, grant: GrantState, request: { scope: Scope; epoch: number; capsules: Uint8Array[] }): Promise<Uint8Array[]> => {
    const fragment = opened.fragments.get(request.scope)?.get(request.epoch)
    if (!fragment) throw new Refusal('no-fragment', `the bundle has no ${request.scope} fragment for epoch ${request.epoch}`)
    try {
      return await reencryptCapsules({ fragmentKey: `${grant.bundleCid}:${request.scope}:${request.epoch}`, kfrag: fragment.kfrag, capsules: request.capsules })
    } catch (error) {
      if (error instanceof MalformedCapsuleError) throw new Refusal('malformed', error.message)
      throw error
    }
  }

  /**
   * A batch (capsuleBatchRequest.ts): the request-wide checks of a single request once
   * (freshness, grant on chain, signature, nonce, revoked, expired); then per group of one
   * scope and epoch the scope granted, a session on it within the TTL and a fragment for
   * the epoch; then per capsule that it is one. A group or capsule that fails is answered
   * with its refusal in its place.
   */
  const reencryptBatch = async (message: unknown): Promise<PreBatchResult[]> => {
    const request = parseCapsuleBatch(message)
    const at = now()
    if (Math.abs(at - request.timestamp) > requestFreshnessSeconds) throw new Refusal('stale-request', `timestamp ${request.timestamp} is not within ${requestFreshnessSeconds} s of ${at}`)
    const grant = await oracle.grant(request.grantId)
    if (!grant) throw new Refusal('unknown-grant', `grant ${request.grantId} is not on chain`)
    let opened: OpenedKeyFragments
    let groupCheck: (scope: Scope) => Promise<void>
    if (request.responder) {
      // authorizeBreakGlass checks the first group's scope; every group is checked below.
      opened = await authorizeBreakGlass({
        grantId: request.grantId,
        scope: request.groups[0]!.scope,
        grant,
        at,
        pass: request.responder,
        nonce: request.nonce,
        signedByCard: (cardKey) => verifyCapsuleBatchSignature(request, cardKey),
        signedBySession: () => verifyResponderBatchSignature(request),
      })
      groupCheck = async (scope) => {
        if ((grant.scopesMask & (1 << scopes.indexOf(scope))) === 0) throw new Refusal('scope-not-granted', `${scope} is not granted`)
      }
    } else {
      const granteeKey = await oracle.granteeKey(grant.grantee)
      if (!granteeKey || !verifyCapsuleBatchSignature(request, granteeKey)) {
        throw new Refusal('bad-signature', 'the request is not signed by the grantee’s registered key')
      }
      checkNonce(request.grantId, request.nonce, at)
      if (grant.revoked) throw new Refusal('revoked', 'the grant was revoked')
      if (grant.expiry <= at) throw new Refusal('expired', `the grant expired at ${grant.expiry}`)
      if (!grant.bundleCid) throw new Refusal('no-fragment', 'no key-fragment bundle is bound to this grant')
      const ttl = (await oracle.sessionTtl?.()) ?? parameters.sessionTtlSeconds ?? 3600
      groupCheck = async (scope) => {
        if ((grant.scopesMask & (1 << scopes.indexOf(scope))) === 0) throw new Refusal('scope-not-granted', `${scope} is not granted`)
        const lastSession = await oracle.lastSession(request.grantId, scope)
        if (lastSession <= 0 || lastSession + ttl < at) throw new Refusal('no-session', `no access session on ${scope} within the session TTL`)
      }
      opened = await openedFragments(request.grantId, grant)
    }
    const answers = await Promise.all(request.groups.map(async (group) => reencryptGroup(opened, grant, group, groupCheck)))
    return answers.flat()
  }

  /** One group of a batch: its refusal for each capsule, or each capsule's fragment (or its own refusal). */
  const reencryptGroup = async (
    opened: OpenedKeyFragments,
    grant: GrantState,
    group: CapsuleBatchRequest['groups'][number],
    groupCheck: (scope: Scope) => Promise<void>,
  ): Promise<PreBatchResult[]> => {
    try {
      await groupCheck(group.scope)
    } catch (error) {
      if (!(error instanceof Refusal)) throw error
      return group.capsules.map(() => ({ code: error.code, message: error.message }))
    }
    const fragment = opened.fragments.get(group.scope)?.get(group.epoch)
    if (!fragment) {
      const message = `the bundle has no ${group.scope} fragment for epoch ${group.epoch}`
      return group.capsules.map(() => ({ code: 'no-fragment' as const, message }))
    }
    const job = { fragmentKey: `${grant.bundleCid}:${group.scope}:${group.epoch}`, kfrag: fragment.kfrag }
    // Chunks, so a pool of re-encryption threads shares a large group.
    const chunks: Uint8Array[][] = []
    for (let i = 0; i < group.capsules.length; i += batchChunk) chunks.push(group.capsules.slice(i, i + batchChunk))
    const answered = await Promise.all(
      chunks.map(async (capsules): Promise<PreBatchResult[]> => {
        try {
          return await reencryptCapsules({ ...job, capsules })
        } catch (error) {
          if (!(error instanceof MalformedCapsuleError)) throw error
          // One capsule is not one: find it (them), alone, and answer the others.
          return Promise.all(
            capsules.map(async (capsule): Promise<PreBatchResult> => {
              try {
                return (await reencryptCapsules({ ...job, capsules: [capsule] }))[0]!
              } catch (single) {
                if (single instanceof MalformedCapsuleError) return { code: 'malformed', message: single.message }
                throw single
              }
            }),
          )
        }
      }),
    )
    return answered.flat()
  }

  return {
    async handle(message) {
      if (isCapsuleBatch(message)) {
        try {
          return { ok: true, results: await reencryptBatch(message) }
        } catch (error) {
          if (error instanceof Refusal) return refuse(error.code, error.message)
          if (error instanceof CapsuleRequestError) return refuse(error.code, error.details ?? error.message)
          log(`batch re-encryption failed: ${error instanceof Error ? error.message : String(error)}`)
          return refuse('internal', 'the proxy could not answer')
        }
      }
      try {
        return { ok: true, cfrags: await reencrypt(message) }
      } catch (error) {
        if (error instanceof Refusal) return refuse(error.code, error.message)
        if (error instanceof CapsuleRequestError) return refuse(error.code, error.details ?? error.message)
        log(`re-encryption failed: ${error instanceof Error ? error.message : String(error)}`)
        return refuse('internal', 'the proxy could not answer')
      }
    },
    async authorizeHeadRead({ author, scope, grant: read }) {
      try {
        const at = now()
        if (Math.abs(at - read.timestamp) > requestFreshnessSeconds) return 'the read is stale; check your clock'
        const grant = await oracle.grant(read.grantId)
        if (!grant) return `grant ${read.grantId} is not on chain`
        if (read.responder) {
          const opened = await authorizeBreakGlass({
            grantId: read.grantId,
            scope,
            grant,
            at,
            pass: read.responder,
            nonce: read.nonce,
            signedByCard: (cardKey) => verifyHeadReadSignature(read, { author, scope }, cardKey),
            signedBySession: () => verifyHeadReadResponderSignature(read, { author, scope }),
          })
          if (!sameBytes(opened.bundle.author, author)) return 'this grant does not cover records of that author'
          return undefined
        }
        const granteeKey = await oracle.granteeKey(grant.grantee)
        if (!granteeKey || !verifyHeadReadSignature(read, { author, scope }, granteeKey)) return 'the read is not signed by the grantee’s registered key'
        checkNonce(read.grantId, read.nonce, at)
        if (grant.revoked) return 'the grant was revoked'
        if (grant.expiry <= at) return 'the grant expired'
        if ((grant.scopesMask & (1 << scopes.indexOf(scope))) === 0) return `${scope} is not granted`
        if (!grant.bundleCid) return 'no bundle is bound to this grant'
        const opened = await fragmentsOf(read.grantId, grant.bundleCid)
        const unbound = bindingMismatch(opened.bundle, grant)
        if (unbound) return `the grant's bundle is not bound to it (${unbound})`
        if (!sameBytes(opened.bundle.author, author)) return 'this grant does not cover records of that author'
        return undefined
      } catch (error) {
        return error instanceof Refusal ? error.message : `the grant could not be checked (${error instanceof Error ? error.message.slice(0, 200) : String(error)})`
      }
    },
    async prefetch(grantId) {
      const grant = await oracle.grant(grantId)
      if (grant && !grant.revoked) await fragmentsOf(grantId, grant.bundleCid)
    },
    forget(grantId) {
      const key = grantId.toString(16)
      const cached = bundles.get(key)
      bundles.delete(key)
      void cached?.opened.then((o) => o.free(), () => {})
    },
    stop() {
      for (const key of [...bundles.keys()]) this.forget(BigInt(`0x${key}`))
      nonces.clear()
    },
  }
}

/**
 * Why a bundle is not the one the patient made for this grant, or undefined when it is.
 * Only the patient can produce a grant with their pseudonym, and only the grant key that
 * signed these fragments signed this binding; so a grant someone else makes over this
 * bundle's CID (a revoked doctor with a random secret) differs at least in its pseudonym.
 */
function bindingMismatch(bundle: KeyFragmentBundle, grant: GrantState): string | undefined {
  const { binding } = bundle
  if (binding.chainId !== grant.chainId) return `chain ${binding.chainId}, not ${grant.chainId}`
  if (binding.consent !== grant.consent.toLowerCase()) return `consent contract ${binding.consent}`
  if (binding.pseudonym !== grant.pseudonym) return 'another pseudonym'
  if (bundle.grantee !== grant.grantee.toLowerCase()) return `grantee ${bundle.grantee}`
  if (binding.expiry !== grant.expiry) return `expiry ${binding.expiry}, not ${grant.expiry}`
  if (bundle.threshold !== grant.threshold) return `threshold ${bundle.threshold}, not ${grant.threshold}`
  if (bundleScopesMask(bundle) !== grant.scopesMask) return 'other scopes'
  const commitment = proxiesCommitment({ proxies: bundle.proxies.map((proxy) => proxy.address), salt: bytesToHex(bundle.salt) })
  if (commitment !== grant.proxiesHash) return 'other proxies'
  return undefined
}

function refuse(code: PreRefusalCode, message: string): PreResponse {
  return { ok: false, code, message }
}
