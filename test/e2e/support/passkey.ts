// Chromium's virtual authenticator (CDP WebAuthn domain): a platform passkey provider
// with the PRF extension, so tests can create and use Salus passkeys without a person.
import type { CDPSession, Page } from 'playwright-core'

/** A credential as CDP exports it: the private key travels with it, like a synced passkey. */
export type VirtualCredential = {
  credentialId: string
  isResidentCredential: boolean
  rpId?: string
  privateKey: string
  userHandle?: string
  signCount: number
}

export type VirtualAuthenticator = {
  cdp: CDPSession
  authenticatorId: string
  credentials(): Promise<VirtualCredential[]>
  /** Puts a credential from another profile into this one (a passkey synced to a new device). */
  add(credential: VirtualCredential): Promise<void>
}

/** One authenticator for the page, user verification always passes (a person who unlocks the device). */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('WebAuthn.enable', { enableUI: false })
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      ctap2Version: 'ctap2_1',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      hasPrf: true,
      automaticPresenceSimulation: true,
    },
  })
  return {
    cdp,
    authenticatorId,
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId })
      return credentials as VirtualCredential[]
    },
    async add(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential })
    },
  }
}
