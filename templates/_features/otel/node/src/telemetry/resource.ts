import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
  type Resource,
} from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { OtelConfig } from './otel.config.js';

/** Who emits the telemetry: the SDK's defaults, then this service, then OTEL_RESOURCE_ATTRIBUTES. */
export function serviceResource(
  config: Pick<OtelConfig, 'serviceName' | 'serviceVersion'>,
): Resource {
  return defaultResource()
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.serviceName,
        [ATTR_SERVICE_VERSION]: config.serviceVersion,
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
}
