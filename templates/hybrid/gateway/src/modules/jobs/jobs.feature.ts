import type { Feature, FeatureDeps } from '../../lib/feature.js';
import type { Logger } from '../../lib/logger.js';
import { AmqpBroker } from '../../messaging/amqp-broker.js';
import { BrokerUnavailableError, type MessageBroker } from '../../messaging/broker.js';
import { namespacedTopology, qualify } from '../../messaging/topology.js';
import { jobFinishedHandler } from './job-finished.handler.js';
import { loadJobsConfig, type JobsConfig } from './jobs.config.js';
import { jobRequestedMessage } from './jobs.messages.js';
import { registerJobsOpenApi } from './jobs.openapi.js';
import { JobsRepository } from './jobs.repository.js';
import { jobsRouter } from './jobs.router.js';
import { JobsService, type JobsPublisher } from './jobs.service.js';

// Finished-job updates are short database writes: enough in flight to keep the pool busy, few
// enough that a gateway restart leaves little to redeliver.
const FINISHED_PREFETCH = 32;

export interface JobsFeatureOptions {
  /** Default: AMQP_URL and AMQP_NAMESPACE from the environment, read at start. */
  config?: JobsConfig;
  /** Default: RabbitMQ through amqplib. The unit tests pass an in-memory broker. */
  createBroker?: (config: JobsConfig, logger: Logger) => MessageBroker;
}

/**
 * POST /jobs and GET /jobs/:id; publishes job.requested.v1 and consumes job.finished.v1. The broker
 * connects in the background: the server starts without it, and the `broker` readiness check keeps
 * the instance out of rotation until it is connected (and whenever the connection is lost).
 */
export function jobsFeature(options: JobsFeatureOptions = {}): Feature {
  let running: { broker: MessageBroker; namespace: string } | undefined;

  const publisher: JobsPublisher = {
    requestJob: (message, correlationId) =>
      running
        ? running.broker.publish(jobRequestedMessage(running.namespace, message, correlationId))
        : Promise.reject(new BrokerUnavailableError('the jobs feature has not started')),
  };
  const service = ({ prisma, logger }: FeatureDeps) =>
    new JobsService(new JobsRepository(prisma), publisher, logger);

  return {
    name: 'jobs',
    routers: (deps) => [{ path: '/jobs', router: jobsRouter(service(deps)) }],
    registerOpenApi: registerJobsOpenApi,
    readiness: [
      {
        name: 'broker',
        check: () =>
          running?.broker.connected
            ? Promise.resolve()
            : Promise.reject(new Error('not connected to the message broker')),
      },
    ],
    start(deps) {
      const config = options.config ?? loadJobsConfig();
      const namespace = config.amqpNamespace;
      const broker =
        options.createBroker?.(config, deps.logger) ??
        new AmqpBroker({
          url: config.amqpUrl,
          topology: namespacedTopology(namespace),
          logger: deps.logger,
        });
      broker.consume(
        qualify(namespace, 'jobs.finished'),
        jobFinishedHandler(service(deps), deps.logger),
        { prefetch: FINISHED_PREFETCH },
      );
      broker.start();
      running = { broker, namespace };
    },
    // After the HTTP server drained (no publish in flight): cancel the consumer, let the updates in
    // flight finish and acknowledge, then disconnect, all before the database closes.
    stop: () => running?.broker.close(),
  };
}
