import { z } from 'zod';
import { CreateJobRequest, Job } from '../../contracts/generated.js';

// The request and response shapes ARE the generated contract (contracts/schemas); this file only
// names them as reusable OpenAPI components (@asteasolutions/zod-to-openapi reads Zod 4 metadata).
export const createJobBody = CreateJobRequest.meta({ id: 'CreateJobRequest' });
export const jobSchema = Job.meta({ id: 'Job' });

export const jobIdParams = z.object({ id: z.uuid() });
