import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

// Comma-separated list of exact origins ("https://app.example.com"). Empty = no
// cross-origin browser access at all, which is the safe default for an API.
const corsOrigins = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .regex(
          /^https?:\/\/[^/\s]+$/,
          'each origin must look like https://host[:port] (no path, no "*")',
        ),
    ),
  );

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  // Loopback by default so a laptop does not expose the dev server; the Docker
  // image sets HOST=0.0.0.0.
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65_535).default(3000),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  // Unset: embedded PGlite (see src/db/database.ts). Set: real PostgreSQL.
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  PGLITE_DATA_DIR: z.string().min(1).default('.data/pglite'),
  CORS_ORIGINS: corsOrigins,
  // Requests per client IP and window: RATE_LIMIT_MAX for writes (POST, PATCH, DELETE…),
  // RATE_LIMIT_READ_MAX for GET/HEAD. Health probes and the docs are never limited.
  RATE_LIMIT_MAX: int(1, 1_000_000).default(100),
  RATE_LIMIT_READ_MAX: int(1, 1_000_000).default(1_000),
  RATE_LIMIT_WINDOW_MS: int(1_000, 86_400_000).default(60_000),
  BODY_LIMIT: z
    .string()
    .regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 100kb or 1mb')
    .default('100kb'),
  // Number of reverse proxies in front of the app; needed for correct client IPs
  // (rate limiting) behind a load balancer. 0 = trust no X-Forwarded-* header.
  TRUST_PROXY: int(0, 10).default(0),
  SHUTDOWN_TIMEOUT_MS: int(0, 120_000).default(10_000),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  override name = 'EnvError';
}

/**
 * Validates `source` against `schema`. Throws EnvError with one line per bad variable. Feature modules
 * (src/features.ts) parse their own variables with it, so every configuration error reads the same.
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
): z.output<S> {
  // Treat empty strings as unset so `FOO=` in .env falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(root)';
    // Never print the offending value: it may be a secret (e.g. DATABASE_URL).
    return `  - ${name}: ${issue.message}`;
  });
  throw new EnvError(`Invalid environment variables:\n${lines.join('\n')}`);
}

/** Validates `source` (normally process.env). Throws EnvError with one line per bad variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const env = parseEnv(envSchema, source);
  // In production the embedded database would live inside the container and vanish with it: require a
  // real DATABASE_URL unless PGLITE_DATA_DIR is set on purpose (e.g. to a mounted volume).
  if (env.NODE_ENV === 'production' && !env.DATABASE_URL && !source['PGLITE_DATA_DIR']) {
    throw new EnvError(
      'Invalid environment variables:\n  - DATABASE_URL: required when NODE_ENV=production (or set PGLITE_DATA_DIR to a persistent volume to use the embedded database deliberately)',
    );
  }
  return env;
}
