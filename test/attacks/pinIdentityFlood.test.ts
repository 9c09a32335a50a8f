// Attack: many fresh identities. A per-identity quota means nothing if identities are
// free: the attacker makes a new key for every few megabytes and fills the node. Each
// new identity must do registration work, and a care node registers only so many new
// identities an hour, from one peer and from all peers together. The attacker here
// makes twelve fresh identities from one peer and six more from a second peer, each
// pinning a block as large as its quota allows; what the node keeps must stay within
// (registrations an hour) x (quota), whatever the number of keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCareNode, type CareNode } from '../../src/p2p/careNode.ts'
import type { SalusNode } from '../../src/p2p/createBrowserNode.ts'
import { requestPin } from '../../src/p2p/requestPin.ts'
import { peer, randomBlock } from './careSupport.ts'

const quotaBytes = 50_000
const perHour = 5
const perPeerPerHour = 3

describe('attack: flood a care node with fresh identities', () => {
  let care: CareNode
  const attackers: SalusNode[] = []

  beforeAll(async () => {
    care = await startCareNode({
      port: 0,
      pin: { blockTimeoutMs: 3_000 },
      identities: { quota: { bytes: quotaBytes }, registrationWorkBits: 8, registrationsPerHour: perHour, registrationsPerPeerPerHour: perPeerPerHour },
    })
    attackers.push(await peer(71, care.multiaddrs), await peer(72, care.multiaddrs))
  })
  afterAll(async () => {
    for (const attacker of attackers) await attacker.stop()
    await care?.stop()
  })

  it('keeps at most registrations-per-hour x quota, and refuses the rest', async () => {
    const outcomes: string[] = []
    let storedBytes = 0
    for (const [index, attacker] of attackers.entries()) {
      for (let i = 0; i < (index === 0 ? 12 : 6); i++) {
        const identitySeed = new Uint8Array(32).fill(0).map((_, j) => (j === 0 ? index : j === 1 ? i : 9))
        const cid = await randomBlock(attacker, 45_000)
        const outcome = await requestPin(attacker, { careNode: care.multiaddrs[0]!, cids: [cid], identitySeed }).then(
          () => 'pinned',
          (error: { code?: string }) => error.code ?? 'error',
        )
        outcomes.push(outcome)
        if (await care.helia.pins.isPinned(cid)) storedBytes += 45_000
      }
    }
    console.info(`18 fresh identities: ${outcomes.join(', ')}; ${storedBytes} bytes kept`)
    expect(outcomes.filter((o) => o === 'pinned')).toHaveLength(perHour)
    expect(outcomes.slice(0, 12).filter((o) => o === 'pinned')).toHaveLength(perPeerPerHour)
    expect(outcomes.filter((o) => o !== 'pinned').every((o) => o === 'registrations-full')).toBe(true)
    expect(storedBytes).toBeLessThanOrEqual(perHour * quotaBytes)
  })
})
