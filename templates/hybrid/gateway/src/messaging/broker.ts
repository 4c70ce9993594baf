/**
 * The message broker as the jobs module sees it. AmqpBroker (amqp-broker.ts) talks to RabbitMQ; the
 * unit tests use an in-memory one (test/helpers/memory-broker.ts) with the same behaviour.
 */

/** The AMQP properties the contract uses (docs/hybrid-design.md, "Broker topology"). */
export interface MessageProperties {
  /** The job id: consumers use it to spot duplicates. */
  messageId: string;
  /** The message type, e.g. job.requested.v1. */
  type: string;
  /** The X-Request-Id of the HTTP request that caused the message, to follow it through the logs. */
  correlationId?: string;
  headers?: Record<string, string | number>;
}

export interface OutgoingMessage {
  exchange: string;
  routingKey: string;
  /** JSON, UTF-8. */
  body: Buffer;
  properties: MessageProperties;
}

export interface IncomingMessage {
  body: Buffer;
  /** As received: a message published by hand may lack any of them. */
  properties: {
    messageId?: string | undefined;
    type?: string | undefined;
    correlationId?: string | undefined;
    headers: Record<string, unknown>;
  };
  /** Delivered before and not acknowledged (e.g. the previous consumer died). */
  redelivered: boolean;
}

/**
 * What a handler decided: `ack` (done) or `reject` (never redeliver: dead-lettered when the queue has a
 * dead-letter exchange). A handler that throws has hit a passing failure (e.g. the database is down):
 * the message is requeued, after a short pause so a persistent failure does not spin.
 */
export type HandlerOutcome = 'ack' | 'reject';
export type MessageHandler = (message: IncomingMessage) => Promise<HandlerOutcome>;

export interface MessageBroker {
  /** Connected, topology declared and consumers running. Drives the `broker` readiness check. */
  readonly connected: boolean;
  /** Registers a consumer (manual acknowledgements); it runs on every (re)connection. Call before start. */
  consume(queue: string, handler: MessageHandler, options: { prefetch: number }): void;
  /** Connects in the background, retrying with back-off; returns at once. */
  start(): void;
  /**
   * Publishes a persistent message and resolves once the broker has confirmed it. Rejects with
   * BrokerUnavailableError when not connected or when the broker does not confirm in time.
   */
  publish(message: OutgoingMessage): Promise<void>;
  /** Stops consuming, waits for handlers in flight to finish and acknowledge, then disconnects. */
  close(): Promise<void>;
}

export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError';
}
