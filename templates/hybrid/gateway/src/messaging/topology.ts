import { TOPOLOGY } from '../contracts/generated.js';

export type ExchangeName = (typeof TOPOLOGY.exchanges)[number]['name'];
export type QueueName = (typeof TOPOLOGY.queues)[number]['name'];

export interface Topology {
  exchanges: { name: string; type: string; durable: boolean }[];
  queues: { name: string; durable: boolean; arguments: Record<string, string> }[];
  bindings: { exchange: string; queue: string; routingKey: string }[];
}

// Queue arguments whose value is an exchange name, so it carries the namespace too.
const EXCHANGE_NAME_ARGUMENTS = new Set(['x-dead-letter-exchange']);

/**
 * `<namespace>.<name>`, or the bare name without a namespace. The worker qualifies names the same
 * way (service/app/messaging/topology.py); typed so only names from contracts/topology.json pass.
 */
export const qualify = (namespace: string, name: ExchangeName | QueueName): string =>
  namespace ? `${namespace}.${name}` : name;

/**
 * contracts/topology.json (generated into TOPOLOGY) with every exchange and queue name, and every
 * dead-letter exchange argument, in `namespace`. Both parts declare exactly this: any difference
 * in arguments makes RabbitMQ refuse the second declaration (PRECONDITION_FAILED).
 */
export function namespacedTopology(namespace: string): Topology {
  return {
    exchanges: TOPOLOGY.exchanges.map((exchange) => ({
      ...exchange,
      name: qualify(namespace, exchange.name),
    })),
    queues: TOPOLOGY.queues.map((queue) => ({
      name: qualify(namespace, queue.name),
      durable: queue.durable,
      arguments: Object.fromEntries(
        Object.entries(queue.arguments).map(([key, value]: [string, string]) => [
          key,
          EXCHANGE_NAME_ARGUMENTS.has(key) ? qualify(namespace, value as ExchangeName) : value,
        ]),
      ),
    })),
    bindings: TOPOLOGY.bindings.map((binding) => ({
      exchange: qualify(namespace, binding.exchange),
      queue: qualify(namespace, binding.queue),
      routingKey: binding.routingKey,
    })),
  };
}
