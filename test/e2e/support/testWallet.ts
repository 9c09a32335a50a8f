// An injected EIP-6963 wallet for tests: the page sees a normal wallet, the key stays
// in the test process. Like a real wallet it signs for whatever page asks once the
// person clicks; `origins` records who asked, as a wallet's prompt would show it.
import type { BrowserContext } from 'playwright-core'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { hashTypedData, hexToBytes, serializeSignature, toHex, type Hex, type TypedDataDefinition } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

export type TestWalletOptions = {
  privateKey: Hex
  /** Signs with fresh randomness each time (valid signatures, never the same twice), as some wallets do. */
  randomized?: boolean
  name?: string
}

export type TestWallet = { address: Hex; name: string; origins: string[]; signatures: number }

export async function installTestWallet(context: BrowserContext, options: TestWalletOptions): Promise<TestWallet> {
  const account = privateKeyToAccount(options.privateKey)
  const wallet: TestWallet = { address: account.address, name: options.name ?? 'Test Wallet', origins: [], signatures: 0 }
  await context.exposeBinding('__salusTestWalletSign', async (source, json: string) => {
    wallet.origins.push(new URL(source.frame.url()).origin)
    wallet.signatures++
    const typedData = JSON.parse(json) as TypedDataDefinition
    if (!options.randomized) return account.signTypedData(typedData as never)
    const digest = hexToBytes(hashTypedData(typedData))
    const signature = secp256k1.sign(digest, hexToBytes(options.privateKey), { extraEntropy: true, prehash: false, format: 'recovered' })
    const bytes = signature as Uint8Array
    return serializeSignature({ r: toHex(bytes.slice(1, 33)), s: toHex(bytes.slice(33, 65)), yParity: bytes[0]! })
  })
  await context.addInitScript(
    ({ address, name }) => {
      const provider = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address]
          if (method === 'eth_chainId') return '0x7a69'
          if (method === 'eth_signTypedData_v4') {
            const data = params?.[1]
            return (window as unknown as { __salusTestWalletSign(json: string): Promise<string> }).__salusTestWalletSign(
              typeof data === 'string' ? data : JSON.stringify(data),
            )
          }
          throw Object.assign(new Error(`${method} is not supported by the test wallet`), { code: 4200 })
        },
        on() {},
        removeListener() {},
      }
      const info = { uuid: '5a1f7e57-0000-4000-8000-000000000001', name, icon: 'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"/>', rdns: 'test.salus.wallet' }
      const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail: Object.freeze({ info, provider }) }))
      window.addEventListener('eip6963:requestProvider', announce)
      announce()
    },
    { address: account.address, name: wallet.name },
  )
  return wallet
}
