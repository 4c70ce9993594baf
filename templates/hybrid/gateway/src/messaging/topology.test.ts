import { describe, expect, it } from 'vitest';
import { TOPOLOGY } from '../contracts/generated.js';
import { namespacedTopology } from './topology.js';

describe('namespaced topology', () => {
  it('prefixes every exchange and queue name and every dead-letter exchange, nothing else', () => {
    const topology = namespacedTopology('ci.7');
    expect(topology.exchanges.map((e) => e.name)).toEqual(['ci.7.jobs', 'ci.7.jobs.dlx']);
    expect(topology.queues.map((q) => q.name)).toEqual([
      'ci.7.jobs.requested',
      'ci.7.jobs.retry',
      'ci.7.jobs.finished',
      'ci.7.jobs.dead',
    ]);
    const retry = topology.queues.find((q) => q.name === 'ci.7.jobs.retry');
    expect(retry?.arguments).toEqual({
      'x-dead-letter-exchange': 'ci.7.jobs',
      // A routing key, not a name: unchanged.
      'x-dead-letter-routing-key': 'job.requested.v1',
    });
    expect(topology.bindings).toContainEqual({
      exchange: 'ci.7.jobs',
      queue: 'ci.7.jobs.finished',
      routingKey: 'job.finished.v1',
    });
  });

  it('is contracts/topology.json as is without a namespace', () => {
    expect(namespacedTopology('')).toEqual(JSON.parse(JSON.stringify(TOPOLOGY)));
  });
});
