import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

const limits = { minMs: 250, maxMs: 10_000 };

describe('reconnect back-off', () => {
  it('doubles from minMs, with jitter between half and all of each step', () => {
    expect(backoffDelay(0, limits, () => 0)).toBe(125);
    expect(backoffDelay(0, limits, () => 1)).toBe(250);
    expect(backoffDelay(3, limits, () => 0)).toBe(1_000);
    expect(backoffDelay(3, limits, () => 1)).toBe(2_000);
  });

  it('never waits longer than maxMs, however many attempts failed', () => {
    for (const attempt of [6, 10, 100, 10_000]) {
      expect(backoffDelay(attempt, limits, () => 1)).toBe(10_000);
      expect(backoffDelay(attempt, limits, () => 0)).toBe(5_000);
    }
  });
});
