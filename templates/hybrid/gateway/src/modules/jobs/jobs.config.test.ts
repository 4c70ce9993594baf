import { describe, expect, it } from 'vitest';
import { EnvError } from '../../config/env.js';
import {
  collect,
  PROCESS_TEST_TIMEOUT,
  spawnServer,
  waitForExit,
} from '../../../test/helpers/spawn-server.js';
import { DEFAULT_AMQP_URL, loadJobsConfig } from './jobs.config.js';

describe('jobs configuration (AMQP_URL, AMQP_NAMESPACE)', () => {
  it('defaults to a local broker and no namespace outside production', () => {
    expect(loadJobsConfig({})).toEqual({ amqpUrl: DEFAULT_AMQP_URL, amqpNamespace: '' });
    expect(loadJobsConfig({ AMQP_URL: '', AMQP_NAMESPACE: '' }).amqpUrl).toBe(DEFAULT_AMQP_URL);
  });

  it('requires AMQP_URL in production', () => {
    expect(() => loadJobsConfig({ NODE_ENV: 'production' })).toThrow(
      /AMQP_URL: required when NODE_ENV=production/,
    );
    const url = 'amqps://app:secret@broker.internal:5671/prod';
    expect(loadJobsConfig({ NODE_ENV: 'production', AMQP_URL: url }).amqpUrl).toBe(url);
  });

  it('accepts dot-separated namespaces and rejects names that would need quoting', () => {
    expect(loadJobsConfig({ AMQP_NAMESPACE: 'ci.run-42_a' }).amqpNamespace).toBe('ci.run-42_a');
    for (const bad of ['a..b', '.a', 'a.', 'with space', 'a/b', 'x'.repeat(65)]) {
      expect(() => loadJobsConfig({ AMQP_NAMESPACE: bad }), bad).toThrow(/AMQP_NAMESPACE/);
    }
  });

  it('names a bad AMQP_URL without printing it', () => {
    let error: unknown;
    try {
      loadJobsConfig({ AMQP_URL: 'http://app:topsecret@broker:5672/' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    expect((error as Error).message).toMatch(/AMQP_URL: must be an amqp:\/\/ or amqps:\/\/ URL/);
    expect((error as Error).message).not.toContain('topsecret');
  });

  it(
    'makes the server exit 1 with a clear message and no stack trace',
    async () => {
      // PGLITE_DATA_DIR (set by spawnServer) satisfies the core's production check; AMQP_URL is unset.
      const child = spawnServer({ NODE_ENV: 'production', AMQP_URL: '' });
      const stderr = collect(child.stderr);
      expect(await waitForExit(child)).toBe(1);
      expect(stderr.text).toContain('AMQP_URL: required when NODE_ENV=production');
      expect(stderr.text).not.toMatch(/\n\s+at /);
    },
    PROCESS_TEST_TIMEOUT,
  );
});
