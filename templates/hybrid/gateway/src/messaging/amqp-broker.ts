import { setTimeout as sleep } from 'node:timers/promises';
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
} from 'amqplib';
import type { Logger } from '../lib/logger.js';
import { backoffDelay } from './backoff.js';
import {
  BrokerUnavailableError,
  type HandlerOutcome,
  type IncomingMessage,
  type MessageBroker,
  type MessageHandler,
  type OutgoingMessage,
} from './broker.js';
import type { Topology } from './topology.js';
import { tracePublish, traceProcess } from './tracing.js';

export interface AmqpBrokerOptions {
  url: string;
  /** Declared on every connection (idempotent), so a broker that lost it gets it back. */
  topology: Topology;
  logger: Logger;
  /** Shown in the RabbitMQ management UI. */
  connectionName?: string;
  /** Pause between connection attempts: doubles from `minMs` up to `maxMs`, with jitter. */
  reconnect?: { minMs: number; maxMs: number };
  /** How long a TCP connect + AMQP handshake may take. */
  connectTimeoutMs?: number;
  /** How long publish() waits for the broker's confirm. */
  confirmTimeoutMs?: number;
  /** Pause before a message whose handler threw goes back to the queue. */
  requeueDelayMs?: number;
}

interface Consumer {
  queue: string;
  handler: MessageHandler;
  prefetch: number;
  /** Set while subscribed on the current connection. */
  active?: { channel: Channel; consumerTag: string };
}

const asString = (value: unknown) => (typeof value === 'string' ? value : undefined);

/**
 * RabbitMQ through amqplib: one connection, a confirm channel for publishing and one channel per
 * consumer. It keeps itself connected: when the connection or any channel is lost it drops
 * everything and starts over with back-off, re-declaring the topology and re-subscribing. A
 * connection rebuilt whole is simpler to reason about than channels repaired one by one, and
 * redelivery plus idempotent handlers make the restart safe.
 */
export class AmqpBroker implements MessageBroker {
  readonly #options: Required<AmqpBrokerOptions>;
  readonly #consumers: Consumer[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #closing = new AbortController();
  #connection: ChannelModel | undefined;
  #publisher: ConfirmChannel | undefined;
  #connected = false;
  #loop: Promise<void> | undefined;

  constructor(options: AmqpBrokerOptions) {
    this.#options = {
      connectionName: 'gateway',
      reconnect: { minMs: 250, maxMs: 10_000 },
      connectTimeoutMs: 5_000,
      confirmTimeoutMs: 5_000,
      requeueDelayMs: 1_000,
      ...options,
    };
  }

  get connected(): boolean {
    return this.#connected;
  }

  consume(queue: string, handler: MessageHandler, { prefetch }: { prefetch: number }): void {
    this.#consumers.push({ queue, handler, prefetch });
  }

  start(): void {
    this.#loop ??= this.#keepConnected();
  }

  async publish(message: OutgoingMessage): Promise<void> {
    const publisher = this.#publisher;
    if (!this.#connected || !publisher) {
      throw new BrokerUnavailableError('not connected to the message broker');
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new BrokerUnavailableError('the message broker did not confirm in time')),
        this.#options.confirmTimeoutMs,
      );
    });
    try {
      await Promise.race([
        tracePublish(message, (traced) => publishConfirmed(publisher, traced)),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.#closing.abort();
    this.#connected = false;
    await this.#drainAndDisconnect();
    await this.#loop;
  }

  async #keepConnected(): Promise<void> {
    const { logger, reconnect } = this.#options;
    let attempt = 0;
    while (!this.#closing.signal.aborted) {
      try {
        const { lost } = await this.#connect();
        if (this.#closing.signal.aborted) {
          // close() ran while this connection was being set up and could not see it.
          await this.#drainAndDisconnect();
          return;
        }
        attempt = 0;
        this.#connected = true;
        logger.info(
          { connection: this.#options.connectionName },
          'connected to the message broker',
        );
        const err = await lost;
        if (this.#closing.signal.aborted) return;
        logger.warn({ err }, 'lost the message broker connection; reconnecting');
        // Forget the dead channels; handlers still running on them fail to settle, which is fine.
        await this.#disconnect();
      } catch (err) {
        await this.#disconnect();
        if (this.#closing.signal.aborted) return;
        logger.warn({ err, attempt }, 'could not connect to the message broker');
      }
      const delay = backoffDelay(attempt++, reconnect);
      // Cut short by close().
      await sleep(delay, undefined, { signal: this.#closing.signal }).catch(() => undefined);
    }
  }

  /** Opens a connection and sets everything up; `lost` resolves when that connection closes. */
  async #connect(): Promise<{ lost: Promise<Error | undefined> }> {
    const { url, topology, logger, connectionName, connectTimeoutMs } = this.#options;
    const connection = await amqp.connect(url, {
      timeout: connectTimeoutMs,
      clientProperties: { connection_name: connectionName },
    });
    this.#connection = connection;
    const lost = new Promise<Error | undefined>((resolve) => {
      connection.once('close', (err?: Error) => {
        this.#connected = false;
        resolve(err);
      });
    });
    // amqplib emits 'error' before 'close'; unlistened, it would crash the process.
    connection.on('error', (err: Error) => logger.warn({ err }, 'message broker connection error'));
    connection.on('blocked', (reason: string) => {
      logger.warn({ reason }, 'the message broker blocks publishing (resource alarm)');
    });
    connection.on('unblocked', () => logger.info('the message broker accepts messages again'));

    const publisher = await connection.createConfirmChannel();
    this.#watch(connection, publisher);
    await declareTopology(publisher, topology);
    for (const consumer of this.#consumers) await this.#subscribe(connection, consumer);
    this.#publisher = publisher;
    return { lost };
  }

  #watch(connection: ChannelModel, channel: Channel): void {
    const { logger } = this.#options;
    channel.on('error', (err: Error) => logger.warn({ err }, 'message broker channel error'));
    // A channel closes on its own only after a protocol error; start over on a new connection.
    channel.on('close', () => {
      if (!this.#closing.signal.aborted) connection.close().catch(() => undefined);
    });
  }

  async #subscribe(connection: ChannelModel, consumer: Consumer): Promise<void> {
    const channel = await connection.createChannel();
    this.#watch(connection, channel);
    await channel.prefetch(consumer.prefetch);
    const { consumerTag } = await channel.consume(consumer.queue, (message) => {
      if (message === null) {
        // The broker cancelled the consumer (e.g. its queue was deleted): rebuild everything.
        this.#options.logger.warn(
          { queue: consumer.queue },
          'the message broker cancelled a consumer',
        );
        connection.close().catch(() => undefined);
        return;
      }
      const task = this.#handle(channel, consumer, message).finally(() =>
        this.#inFlight.delete(task),
      );
      this.#inFlight.add(task);
    });
    consumer.active = { channel, consumerTag };
  }

  async #handle(channel: Channel, consumer: Consumer, message: ConsumeMessage): Promise<void> {
    const { logger, requeueDelayMs } = this.#options;
    const props = message.properties;
    const incoming: IncomingMessage = {
      body: message.content,
      properties: {
        messageId: asString(props.messageId),
        type: asString(props.type),
        correlationId: asString(props.correlationId),
        headers: { ...props.headers },
      },
      redelivered: message.fields.redelivered,
    };
    let outcome: HandlerOutcome | 'requeue';
    try {
      outcome = await traceProcess(consumer.queue, incoming, () => consumer.handler(incoming));
    } catch (err) {
      logger.error(
        { err, queue: consumer.queue, messageId: incoming.properties.messageId },
        'message handler failed; the message goes back to the queue',
      );
      // The pause is cut short by close(): shutting down must not wait for it.
      await sleep(requeueDelayMs, undefined, { signal: this.#closing.signal }).catch(
        () => undefined,
      );
      outcome = 'requeue';
    }
    try {
      if (outcome === 'ack') channel.ack(message);
      else if (outcome === 'reject') channel.reject(message, false);
      else channel.nack(message, false, true);
    } catch (err) {
      // The channel closed meanwhile: the broker redelivers the message, handlers are idempotent.
      logger.warn(
        { err, queue: consumer.queue },
        'could not settle a message; it will be redelivered',
      );
    }
  }

  /** Graceful stop: no new deliveries, handlers in flight finish and settle, then disconnect. */
  async #drainAndDisconnect(): Promise<void> {
    await Promise.allSettled(
      this.#consumers.flatMap(({ active }) =>
        active ? [active.channel.cancel(active.consumerTag)] : [],
      ),
    );
    await Promise.allSettled([...this.#inFlight]);
    await this.#disconnect();
  }

  async #disconnect(): Promise<void> {
    const connection = this.#connection;
    const channels: Channel[] = this.#consumers.flatMap(({ active }) =>
      active ? [active.channel] : [],
    );
    if (this.#publisher) channels.push(this.#publisher);
    this.#connection = undefined;
    this.#publisher = undefined;
    this.#connected = false;
    for (const consumer of this.#consumers) consumer.active = undefined;
    // Channels first: amqplib interleaves the frames of different channels, so a connection.close
    // could overtake the last acks; a channel's own close comes after them. Closing what is already
    // gone fails, and then there is nothing left to close.
    await Promise.allSettled(channels.map((channel) => channel.close()));
    await connection?.close().catch(() => undefined);
  }
}

/** Publishes a persistent JSON message; resolves on the broker's confirm. */
function publishConfirmed(
  channel: ConfirmChannel,
  { exchange, routingKey, body, properties }: OutgoingMessage,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (err: unknown) => {
      if (!err) return resolve();
      // A nack, or the channel closed first: the broker may not have stored the message.
      reject(
        new BrokerUnavailableError('the message broker did not take the message', { cause: err }),
      );
    };
    const options = { ...properties, persistent: true, contentType: 'application/json' };
    try {
      channel.publish(exchange, routingKey, body, options, settle);
    } catch (err) {
      // publish() throws when the channel is already closed.
      reject(new BrokerUnavailableError('the message broker is not available', { cause: err }));
    }
  });
}

async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const { name, type, durable } of topology.exchanges) {
    await channel.assertExchange(name, type, { durable });
  }
  for (const { name, durable, arguments: args } of topology.queues) {
    await channel.assertQueue(name, { durable, arguments: args });
  }
  for (const { exchange, queue, routingKey } of topology.bindings) {
    await channel.bindQueue(queue, exchange, routingKey);
  }
}
