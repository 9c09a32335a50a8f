import type { EIP1193Provider } from 'viem'

/** What a wallet announces about itself (EIP-6963 `EIP6963ProviderInfo`). */
export type WalletInfo = {
  uuid: string
  name: string
  /** A data: URI (EIP-6963 requires it), so showing it loads nothing from the network. */
  icon: string
  rdns: string
}

export type DiscoveredWallet = {
  info: WalletInfo
  provider: EIP1193Provider
}

export type DiscoverWalletsParameters = {
  /** Called once per wallet (deduplicated by uuid), in announcement order. */
  onWallet: (wallet: DiscoveredWallet) => void
  /** Where wallets announce themselves; `window` in the browser. */
  target?: EventTarget
}

export type DiscoverWalletsReturnType = () => void

const maxNameLength = 100
const maxIconLength = 256 * 1024
const maxIdLength = 200

/**
 * Finds injected wallets through EIP-6963: listens for `eip6963:announceProvider`
 * and dispatches `eip6963:requestProvider`. Any script on the page may announce, so
 * each announcement is checked (shape, sizes, data: icon) before it is shown.
 * Returns a function that stops listening.
 */
export function discoverWallets(parameters: DiscoverWalletsParameters): DiscoverWalletsReturnType {
  const target = parameters.target ?? globalThis.window
  const seen = new Set<string>()
  const onAnnounce = (event: Event) => {
    const wallet = parseAnnouncement((event as CustomEvent<unknown>).detail)
    if (!wallet || seen.has(wallet.info.uuid)) return
    seen.add(wallet.info.uuid)
    parameters.onWallet(wallet)
  }
  target.addEventListener('eip6963:announceProvider', onAnnounce)
  target.dispatchEvent(new Event('eip6963:requestProvider'))
  return () => target.removeEventListener('eip6963:announceProvider', onAnnounce)
}

function parseAnnouncement(detail: unknown): DiscoveredWallet | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined
  const { info, provider } = detail as { info?: unknown; provider?: unknown }
  if (typeof info !== 'object' || info === null) return undefined
  if (typeof provider !== 'object' || provider === null) return undefined
  if (typeof (provider as { request?: unknown }).request !== 'function') return undefined
  const { uuid, name, icon, rdns } = info as Record<string, unknown>
  if (!isText(uuid, maxIdLength) || !isText(name, maxNameLength) || !isText(rdns, maxIdLength))
    return undefined
  // A non-data icon would make the page fetch a URL chosen by whoever announced.
  const safeIcon = isText(icon, maxIconLength) && /^data:image\/[a-z+.-]+[;,]/i.test(icon) ? icon : ''
  return {
    info: { uuid, name: name.trim(), icon: safeIcon, rdns },
    provider: provider as EIP1193Provider,
  }
}

function isText(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= maxLength
}
