import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { Resource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

export interface Metrics {
  provider: MeterProvider;
  /** The port /metrics is served on (useful when 0 was asked for). */
  port: number;
  shutdown(): Promise<void>;
}

/**
 * A Prometheus scrape endpoint, `GET /metrics`, on its own listener: Prometheus pulls, as the
 * ecosystem expects, and the API's port, rate limits and logs are not involved. The meter provider is
 * also the global one, so code instrumented with @opentelemetry/api records into it.
 */
export async function startMetrics(
  resource: Resource,
  { host, port }: { host: string; port: number },
): Promise<Metrics> {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ resource, readers: [exporter] });
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      exporter.getMetricsRequestHandler(req, res);
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await listen(server, port, host);
  metrics.setGlobalMeterProvider(provider);
  return {
    provider,
    port: (server.address() as AddressInfo).port,
    async shutdown() {
      metrics.disable();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await provider.shutdown();
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
