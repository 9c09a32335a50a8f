import { reportError } from './reportError.ts'

/** The minimum the page needs from a running libp2p/Helia node. */
export type PeerNode = {
  connectedPeers(): number
  stop(): Promise<void>
}

/** Peer-to-peer status. The vault works without it, so failures are shown, never thrown. */
export class PeerState {
  phase = $state<'off' | 'starting' | 'online' | 'failed'>('off')
  peers = $state(0)
  error = $state('')
  private node: PeerNode | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private stopped = false

  get summary(): string {
    switch (this.phase) {
      case 'off':
        return 'Peer-to-peer off: no relays configured'
      case 'starting':
        return 'Connecting to care nodes…'
      case 'online':
        return this.peers === 1 ? 'Connected to 1 care node' : `Connected to ${this.peers} care nodes`
      case 'failed':
        return `Peer-to-peer unavailable: ${this.error}`
    }
  }

  /** Starts the node in the background; `start` must resolve to a node or throw. */
  async start(start: () => Promise<PeerNode>): Promise<void> {
    this.phase = 'starting'
    try {
      const node = await start()
      if (this.stopped) {
        await node.stop()
        return
      }
      this.node = node
      this.phase = 'online'
      const poll = () => (this.peers = node.connectedPeers())
      poll()
      // Connections come and go (relays reconnect); a 2 s poll is cheap and simple.
      this.timer = setInterval(poll, 2000)
    } catch (error) {
      this.error = reportError(error, 'starting peer-to-peer networking')
      this.phase = 'failed'
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    if (this.timer) clearInterval(this.timer)
    const node = this.node
    this.node = undefined
    await node?.stop().catch((error: unknown) => console.warn('Salus: stopping the peer node failed', error))
  }
}
