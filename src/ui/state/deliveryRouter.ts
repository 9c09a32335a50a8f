import { SalusError } from '../../errors/salusError.ts'
import type { Delivery } from '../../p2p/deliverProtocol.ts'
import { serveDeliverProtocol } from '../../p2p/serveDeliverProtocol.ts'

type Kind = Delivery['kind']
type Handler<K extends Kind> = (delivery: Extract<Delivery, { kind: K }>, context: { from: string }) => void | Promise<void>
type ServedNode = Parameters<typeof serveDeliverProtocol>[0]

/** A delivery of a kind this tab does not take (a write-back before the inbox is open, a consent to a non-doctor). */
export class DeliveryNotTakenError extends SalusError {
  override readonly name = 'DeliveryNotTakenError'
  constructor(readonly kind: string) {
    super(`This Salus app does not take ${kind} deliveries right now; leave it in the mailbox.`)
  }
}

/**
 * One `/salus/deliver` handler per browser node, shared by what the account is: the
 * doctor's consent inbox takes consents and records, the patient's inbox takes
 * write-backs. libp2p keeps one handler per protocol, so each part registers its kinds
 * here instead of serving the protocol itself; a kind nobody takes is refused with a
 * sentence (the sender keeps its mailbox copy).
 */
export class DeliveryRouter {
  /** Each kind's handler, widened: `on` pairs a kind with the handler of exactly that kind. */
  private readonly handlers = new Map<Kind, (delivery: Delivery, context: { from: string }) => void | Promise<void>>()
  private served: { node: ServedNode; stop: Promise<() => Promise<void>> } | undefined

  /** Takes deliveries of `kind`; the returned function stops taking them. */
  on<K extends Kind>(kind: K, handler: Handler<K>): () => void {
    const widened = (delivery: Delivery, context: { from: string }) => handler(delivery as Extract<Delivery, { kind: K }>, context)
    this.handlers.set(kind, widened)
    return () => {
      if (this.handlers.get(kind) === widened) this.handlers.delete(kind)
    }
  }

  /** Serves the protocol on `node` (once per node; a new node replaces the old one). */
  async serve(node: ServedNode): Promise<void> {
    if (this.served?.node === node) {
      await this.served.stop
      return
    }
    const previous = this.served
    this.served = {
      node,
      stop: (async () => {
        if (previous) await (await previous.stop.catch(() => async () => {}))().catch(() => {})
        return serveDeliverProtocol(node, {
          onDelivery: (delivery, context) => {
            const handler = this.handlers.get(delivery.kind)
            if (!handler) throw new DeliveryNotTakenError(delivery.kind)
            return handler(delivery, context)
          },
        })
      })(),
    }
    try {
      await this.served.stop
    } catch (error) {
      this.served = undefined
      throw error
    }
  }

  async stop(): Promise<void> {
    const served = this.served
    this.served = undefined
    this.handlers.clear()
    if (served) await (await served.stop.catch(() => async () => {}))().catch(() => {})
  }
}
