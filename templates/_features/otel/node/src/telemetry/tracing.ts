import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { PrismaInstrumentation } from '@prisma/instrumentation';

export interface Tracing {
  /** Exports the spans ended so far. */
  flush(): Promise<void>;
  /** Exports the spans still queued (bounded by the exporter's timeout), then stops tracing. */
  shutdown(): Promise<void>;
}

/**
 * Registers the global tracer provider: the HTTP middleware, Prisma and the code instrumented with
 * @opentelemetry/api start recording. Spans leave in batches through a bounded queue
 * (OTEL_BSP_MAX_QUEUE_SIZE, 2048 by default): with the backend down, spans beyond it are dropped
 * rather than memory growing. Sampling comes from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default
 * parentbased_always_on; `parentbased_traceidratio` with 0.1 keeps one trace in ten).
 */
export function startTracing(
  resource: Resource,
  exporter: SpanExporter = new OTLPTraceExporter(),
): Tracing {
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // Also installs the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  // Prisma reports its queries (prisma:client:operation, prisma:engine:db_query) once enabled.
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new PrismaInstrumentation()],
  });
  return {
    flush: () => provider.forceFlush(),
    async shutdown() {
      unregister();
      try {
        await provider.shutdown();
      } finally {
        // Lets a later start in the same process (tests) register again.
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}
