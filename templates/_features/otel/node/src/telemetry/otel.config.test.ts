import { describe, expect, it } from 'vitest';
import { EnvError } from '../config/env.js';
import { loadOtelConfig } from './otel.config.js';

describe('loadOtelConfig', () => {
  it('exports nothing without an endpoint, and serves metrics on loopback', () => {
    const config = loadOtelConfig({ NODE_ENV: 'production' });
    expect(config.tracing).toBe(false);
    expect(config.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
    // Under test a free port, so suites running side by side never collide.
    expect(loadOtelConfig({ NODE_ENV: 'test' }).metrics?.port).toBe(0);
    expect(config.serviceName.length).toBeGreaterThan(0);
  });

  it('traces once an OTLP endpoint is set (the general or the traces one)', () => {
    expect(loadOtelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracing).toBe(
      true,
    );
    expect(
      loadOtelConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })
        .tracing,
    ).toBe(true);
  });

  it('honours OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER=none and OTEL_METRICS_EXPORTER=none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    const disabled = loadOtelConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' });
    expect(disabled).toMatchObject({ tracing: false, metrics: undefined });
    expect(loadOtelConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' }).tracing).toBe(false);
    expect(loadOtelConfig({ OTEL_METRICS_EXPORTER: 'none' }).metrics).toBeUndefined();
  });

  it('takes the service name and the Prometheus address from the environment', () => {
    const config = loadOtelConfig({
      OTEL_SERVICE_NAME: 'billing',
      OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0',
      OTEL_EXPORTER_PROMETHEUS_PORT: '9100',
    });
    expect(config).toMatchObject({
      serviceName: 'billing',
      metrics: { host: '0.0.0.0', port: 9100 },
    });
  });

  it('rejects an invalid value with a readable error naming the variable', () => {
    expect(() => loadOtelConfig({ OTEL_EXPORTER_PROMETHEUS_PORT: 'ninety' })).toThrow(EnvError);
    expect(() => loadOtelConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
