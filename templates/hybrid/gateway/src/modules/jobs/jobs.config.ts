import { z } from 'zod';
import { envSchema, parseEnv } from '../../config/env.js';

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672/';

// Part of every exchange and queue name: characters that need no quoting anywhere, in dot-separated
// parts (the worker accepts exactly the same, service/app/messaging/settings.py).
const NAMESPACE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

const jobsEnvSchema = z
  .object({
    NODE_ENV: envSchema.shape.NODE_ENV,
    AMQP_URL: z
      .url({ protocol: /^amqps?$/, error: 'must be an amqp:// or amqps:// URL' })
      .optional(),
    // Empty: no prefix. Tests use a random one so runs on a shared broker never collide.
    AMQP_NAMESPACE: z
      .string()
      .max(64)
      .regex(NAMESPACE, 'letters, digits, "_" and "-", in parts separated by single dots')
      .default(''),
  })
  .superRefine((env, ctx) => {
    // Like DATABASE_URL: a production gateway that quietly looked for a broker on localhost would
    // only fail later, and less clearly.
    if (env.NODE_ENV === 'production' && !env.AMQP_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AMQP_URL'],
        message: 'required when NODE_ENV=production',
      });
    }
  });

export interface JobsConfig {
  amqpUrl: string;
  amqpNamespace: string;
}

/** Reads AMQP_URL and AMQP_NAMESPACE; throws EnvError (a readable message, no values) when invalid. */
export function loadJobsConfig(source: NodeJS.ProcessEnv = process.env): JobsConfig {
  const env = parseEnv(jobsEnvSchema, source);
  return { amqpUrl: env.AMQP_URL ?? DEFAULT_AMQP_URL, amqpNamespace: env.AMQP_NAMESPACE };
}
