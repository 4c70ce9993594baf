/**
 * A read cache for cache-aside lookups (the users module reads through it). The core ships the no-op
 * one; a feature (src/features.ts) may provide a real one through `Feature.cache`.
 *
 * Implementations never throw: a cache that cannot answer is a miss and a write to it is dropped, so
 * the database stays the source of truth and a cache outage costs speed, not answers.
 */
export interface ReadCache {
  /** The value stored under `key`; undefined on a miss (absent, expired, or the cache is unreachable). */
  get(key: string): Promise<unknown>;
  /** Stores a JSON-serializable `value` under `key`, for the cache's own TTL. */
  set(key: string, value: unknown): Promise<void>;
  /** Forgets `key`; call it after every write to what the key caches. */
  delete(key: string): Promise<void>;
}

/** Caches nothing: every read goes to the database. */
export const noCache: ReadCache = {
  get: () => Promise.resolve(undefined),
  set: () => Promise.resolve(),
  delete: () => Promise.resolve(),
};
