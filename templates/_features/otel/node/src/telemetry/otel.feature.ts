import { metrics, type Histogram } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Feature } from '../lib/feature.js';
import { httpTelemetry } from './http-telemetry.js';
import { startMetrics, type Metrics } from './metrics.js';
import { loadOtelConfig, type OtelConfig } from './otel.config.js';
import { serviceResource } from './resource.js';
import { startTracing, type Tracing } from './tracing.js';

// Longest shutdown waits for the last spans to leave; a backend that is down must not hold it up.
const SHUTDOWN_TIMEOUT_MS = 5_000;
// The HTTP semantic conventions' advice for http.server.request.duration, in seconds.
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

export interface OtelFeatureOptions {
  /** Default: the OTEL_* variables, read at start. */
  config?: OtelConfig;
  /** Tests: record spans here instead of exporting them over OTLP (tracing is then on). */
  spanExporter?: SpanExporter;
}

export interface OtelFeature extends Feature {
  /** The port /metrics is served on, once started with metrics on. */
  readonly metricsPort: number | undefined;
  /** Exports the spans ended so far (tests; shutdown does it by itself). */
  flush(): Promise<void>;
}

/**
 * OpenTelemetry: traces exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set (nothing is
 * recorded otherwise), RED metrics for HTTP on a Prometheus endpoint of their own, and the active
 * trace's ids in every log line (src/lib/logger.ts). Started before the other features and stopped
 * after them, so their spans are flushed too.
 */
export function otelFeature(options: OtelFeatureOptions = {}): OtelFeature {
  let tracing: Tracing | undefined;
  let served: Metrics | undefined;
  let duration: Histogram | undefined;

  return {
    name: 'telemetry',
    early: true,
    get metricsPort() {
      return served?.port;
    },
    flush: () => tracing?.flush() ?? Promise.resolve(),
    middleware: [httpTelemetry({ tracing: () => tracing !== undefined, duration: () => duration })],
    async start({ logger }) {
      const config = options.config ?? loadOtelConfig();
      const resource = serviceResource(config);
      if (config.tracing || options.spanExporter) {
        tracing = startTracing(resource, options.spanExporter);
        logger.info({ service: config.serviceName }, 'tracing on: exporting spans over OTLP');
      } else {
        logger.info('tracing off: set OTEL_EXPORTER_OTLP_ENDPOINT to export spans');
      }
      if (config.metrics) {
        served = await startMetrics(resource, config.metrics);
        duration = metrics.getMeter('http-server').createHistogram('http.server.request.duration', {
          description: 'Duration of HTTP server requests',
          unit: 's',
          advice: { explicitBucketBoundaries: DURATION_BUCKETS },
        });
        logger.info({ host: config.metrics.host, port: served.port }, 'metrics on /metrics');
      }
    },
    async stop() {
      const stopping = Promise.allSettled([tracing?.shutdown(), served?.shutdown()]);
      tracing = undefined;
      served = undefined;
      duration = undefined;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_TIMEOUT_MS);
      });
      await Promise.race([stopping, timeout]);
      clearTimeout(timer);
    },
  };
}
