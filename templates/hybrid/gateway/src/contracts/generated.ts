// Generated from contracts/schemas by contracts/generate.mjs — do not edit; run `npm run contracts:generate`.
import { z } from 'zod';

/** What a job computes; each kind has its own input and result shape. */
export const JobKind = z.enum(['count-primes']);
export type JobKind = z.infer<typeof JobKind>;

/** Where a job is: queued until the worker reports it succeeded or failed. */
export const JobStatus = z.enum(['queued', 'succeeded', 'failed']);
export type JobStatus = z.infer<typeof JobStatus>;

/** The input of a count-primes job. */
export const CountPrimesInput = z.strictObject({
  /** Count the primes up to and including this number. */
  limit: z.int().min(2).max(50000000),
});
export type CountPrimesInput = z.infer<typeof CountPrimesInput>;

/** The result of a count-primes job. */
export const CountPrimesResult = z.strictObject({
  /** How many primes there are up to and including the limit. */
  count: z.int().min(0),
  /** The largest of those primes. */
  largest: z.int().min(2),
});
export type CountPrimesResult = z.infer<typeof CountPrimesResult>;

/** The body of POST /jobs. */
export const CreateJobRequest = z.strictObject({
  kind: JobKind,
  input: CountPrimesInput,
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;

/** A job as the API shows it: the body of GET /jobs/{id} and the 202 body of POST /jobs. */
export const Job = z.strictObject({
  id: z.uuid(),
  kind: JobKind,
  input: CountPrimesInput,
  status: JobStatus,
  /** Set when the job succeeded. */
  result: CountPrimesResult.nullable(),
  /** Set when the job failed. */
  error: z.string().max(1000).nullable(),
  /** How many times the worker ran the job. */
  attempts: z.int().min(0),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type Job = z.infer<typeof Job>;

/** Worker -> gateway: a job's outcome. Routing key and AMQP `type`: job.finished.v1. */
export const JobFinishedV1 = z.strictObject({
  schemaVersion: z.literal(1),
  jobId: z.uuid(),
  status: z.enum(['succeeded', 'failed']),
  /** Set when status is succeeded. */
  result: CountPrimesResult.nullable(),
  /** Set when status is failed. */
  error: z.string().max(1000).nullable(),
  /** How many times the worker ran the job, this run included. */
  attempts: z.int().min(1),
  finishedAt: z.iso.datetime({ offset: true }),
});
export type JobFinishedV1 = z.infer<typeof JobFinishedV1>;

/** Gateway -> worker: run this job. Routing key and AMQP `type`: job.requested.v1. */
export const JobRequestedV1 = z.strictObject({
  schemaVersion: z.literal(1),
  jobId: z.uuid(),
  kind: JobKind,
  input: CountPrimesInput,
  requestedAt: z.iso.datetime({ offset: true }),
});
export type JobRequestedV1 = z.infer<typeof JobRequestedV1>;

/** Message types: the AMQP `type` property and the routing key of each message. */
export const JOB_FINISHED_V1_TYPE = 'job.finished.v1';
export const JOB_REQUESTED_V1_TYPE = 'job.requested.v1';

/**
 * contracts/topology.json. Names are without the AMQP_NAMESPACE prefix: add it to every exchange
 * and queue name, and to every x-dead-letter-exchange value, when declaring.
 */
export const TOPOLOGY = {
  exchanges: [
    { name: 'jobs', type: 'direct', durable: true },
    { name: 'jobs.dlx', type: 'fanout', durable: true },
  ],
  queues: [
    { name: 'jobs.requested', durable: true, arguments: { 'x-dead-letter-exchange': 'jobs.dlx' } },
    {
      name: 'jobs.retry',
      durable: true,
      arguments: {
        'x-dead-letter-exchange': 'jobs',
        'x-dead-letter-routing-key': 'job.requested.v1',
      },
    },
    { name: 'jobs.finished', durable: true, arguments: { 'x-dead-letter-exchange': 'jobs.dlx' } },
    { name: 'jobs.dead', durable: true, arguments: {} },
  ],
  bindings: [
    { exchange: 'jobs', queue: 'jobs.requested', routingKey: 'job.requested.v1' },
    { exchange: 'jobs', queue: 'jobs.finished', routingKey: 'job.finished.v1' },
    { exchange: 'jobs.dlx', queue: 'jobs.dead', routingKey: '' },
  ],
} as const;
