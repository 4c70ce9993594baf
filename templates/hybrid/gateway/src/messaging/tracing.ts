import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { IncomingMessage, OutgoingMessage } from './broker.js';

// Instrumented with the OpenTelemetry API only: without an SDK (the otel feature) every call here is
// a no-op and no header is added. With one, the trace travels in the message's headers (W3C
// `traceparent`), so the worker's spans join the HTTP request's trace, and back.
const tracer = trace.getTracer('gateway.messaging');

const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    return Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
  },
};

/** Messaging semantic conventions; the body is never recorded. */
function messageAttributes(
  operation: 'publish' | 'process',
  destination: string,
  properties: { messageId?: string | undefined; correlationId?: string | undefined },
): Attributes {
  const attributes: Attributes = {
    'messaging.system': 'rabbitmq',
    'messaging.operation.name': operation,
    'messaging.operation.type': operation === 'publish' ? 'send' : 'process',
    'messaging.destination.name': destination,
  };
  if (properties.messageId) attributes['messaging.message.id'] = properties.messageId;
  if (properties.correlationId) {
    attributes['messaging.message.conversation_id'] = properties.correlationId;
  }
  return attributes;
}

function failed(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * A PRODUCER span around a publish, child of whatever is active (the HTTP request, or the handler of
 * a consumed message), with its context injected into the message's headers.
 */
export function tracePublish(
  message: OutgoingMessage,
  publish: (message: OutgoingMessage) => Promise<void>,
): Promise<void> {
  const attributes = messageAttributes('publish', message.exchange, message.properties);
  attributes['messaging.rabbitmq.destination.routing_key'] = message.routingKey;
  return tracer.startActiveSpan(
    `publish ${message.exchange || message.routingKey}`,
    { kind: SpanKind.PRODUCER, attributes },
    async (span) => {
      const headers: Record<string, string | number> = { ...message.properties.headers };
      propagation.inject(context.active(), headers);
      try {
        await publish({ ...message, properties: { ...message.properties, headers } });
      } catch (err) {
        failed(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * A CONSUMER span around a handler, continuing the trace the publisher put in the headers (a
 * message without one starts a trace of its own).
 */
export function traceProcess<T>(
  queue: string,
  message: IncomingMessage,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = propagation.extract(ROOT_CONTEXT, message.properties.headers, headerGetter);
  const attributes = messageAttributes('process', queue, message.properties);
  return tracer.startActiveSpan(
    `process ${queue}`,
    { kind: SpanKind.CONSUMER, attributes },
    parent,
    async (span) => {
      try {
        const outcome = await handle();
        if (typeof outcome === 'string') span.setAttribute('app.message.outcome', outcome);
        return outcome;
      } catch (err) {
        failed(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
