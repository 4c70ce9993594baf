import type { Feature } from './lib/feature.js';
// slot: imports

/**
 * Feature modules the server starts with: routes, OpenAPI docs, readiness checks and start/stop hooks
 * (see src/lib/feature.ts). Register yours here, e.g. `billingFeature()`; `npm run gen resource <name>`
 * adds the resources it generates.
 */
export const features: readonly Feature[] = [
  // slot: features (create-polyglot-backend's features and `gen resource` list theirs above this line)
];
