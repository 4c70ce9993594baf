import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { envSchema, parseEnv } from '../config/env.js';

// src/telemetry and dist/telemetry are both two levels below the part's root.
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

// Only the standard OpenTelemetry variables (the SDK reads the rest itself: OTEL_TRACES_SAMPLER,
// OTEL_TRACES_SAMPLER_ARG, OTEL_EXPORTER_OTLP_HEADERS/TIMEOUT, OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES).
const otelEnvSchema = z.object({
  // Under test, /metrics takes a free port unless one is set, so test runs side by side never collide.
  NODE_ENV: envSchema.shape.NODE_ENV,
  OTEL_SDK_DISABLED: z.enum(['true', 'false']).default('false'),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).default('otlp'),
  OTEL_METRICS_EXPORTER: z.enum(['prometheus', 'none']).default('prometheus'),
  // Where Prometheus scrapes /metrics: its own port, not the API's, so it is neither public nor
  // rate limited. Loopback by default; a container sets 0.0.0.0 and publishes nothing.
  OTEL_EXPORTER_PROMETHEUS_HOST: z.string().min(1).default('127.0.0.1'),
  OTEL_EXPORTER_PROMETHEUS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).max(255).optional(),
});

export interface OtelConfig {
  /** Export spans over OTLP: an endpoint is set and neither the SDK nor tracing is switched off. */
  tracing: boolean;
  /** The Prometheus scrape endpoint; undefined when metrics are switched off. */
  metrics: { host: string; port: number } | undefined;
  serviceName: string;
  serviceVersion: string;
}

/** Reads the OTEL_* variables; throws EnvError (a readable message) when one is invalid. */
export function loadOtelConfig(source: NodeJS.ProcessEnv = process.env): OtelConfig {
  const env = parseEnv(otelEnvSchema, source);
  const disabled = env.OTEL_SDK_DISABLED === 'true';
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return {
    tracing: !disabled && env.OTEL_TRACES_EXPORTER === 'otlp' && endpoint !== undefined,
    metrics:
      disabled || env.OTEL_METRICS_EXPORTER === 'none'
        ? undefined
        : {
            host: env.OTEL_EXPORTER_PROMETHEUS_HOST,
            port: env.OTEL_EXPORTER_PROMETHEUS_PORT ?? (env.NODE_ENV === 'test' ? 0 : 9464),
          },
    serviceName: env.OTEL_SERVICE_NAME ?? pkg.name,
    serviceVersion: pkg.version,
  };
}
