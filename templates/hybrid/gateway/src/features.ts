import type { Feature } from './lib/feature.js';
import { jobsFeature } from './modules/jobs/jobs.feature.js';

/**
 * Feature modules the server starts with: routes, OpenAPI docs, readiness checks and start/stop hooks
 * (see src/lib/feature.ts). The hybrid gateway adds the jobs API and its message broker.
 */
export const features: readonly Feature[] = [jobsFeature()];
