import {
  BrokerUnavailableError,
  type IncomingMessage,
  type MessageBroker,
  type MessageHandler,
  type OutgoingMessage,
} from '../../src/messaging/broker.js';

/**
 * An in-memory MessageBroker for unit tests: it records what is published, lets a test deliver messages
 * to a consumer and see how they were settled, and can be "down". Settling follows AmqpBroker: the
 * handler's `ack`/`reject`, or `requeue` when the handler throws.
 */
export class MemoryBroker implements MessageBroker {
  connected = false;
  /** Makes publish() fail as if the broker did not confirm. */
  down = false;
  closed = false;
  readonly published: OutgoingMessage[] = [];
  readonly #consumers = new Map<string, MessageHandler>();

  consume(queue: string, handler: MessageHandler): void {
    this.#consumers.set(queue, handler);
  }

  start(): void {
    this.connected = true;
  }

  publish(message: OutgoingMessage): Promise<void> {
    if (!this.connected || this.down) {
      return Promise.reject(new BrokerUnavailableError('in-memory broker is down'));
    }
    this.published.push(message);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.connected = false;
    this.closed = true;
    return Promise.resolve();
  }

  /** Delivers `body` (an object is sent as JSON) to the consumer of `queue`; returns how it settled. */
  async deliver(
    queue: string,
    body: Buffer | string | object,
    properties: Partial<IncomingMessage['properties']> = {},
  ): Promise<'ack' | 'reject' | 'requeue'> {
    const handler = this.#consumers.get(queue);
    if (!handler) throw new Error(`nothing consumes ${queue}`);
    const bytes = Buffer.isBuffer(body)
      ? body
      : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    try {
      return await handler({
        body: bytes,
        properties: { headers: {}, ...properties },
        redelivered: false,
      });
    } catch {
      return 'requeue';
    }
  }
}
