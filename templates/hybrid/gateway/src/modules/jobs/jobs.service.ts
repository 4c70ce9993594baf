import {
  Job,
  type CreateJobRequest,
  type JobFinishedV1,
  type JobRequestedV1,
} from '../../contracts/generated.js';
import { HttpError, notFound } from '../../lib/http-error.js';
import type { Logger } from '../../lib/logger.js';
import type { JobRow, JobsRepository } from './jobs.repository.js';

/** The error a job gets when the broker would not take its message (the client got a 503). */
export const COULD_NOT_BE_QUEUED = 'could not be queued';

/** Sends job.requested.v1; resolves once the broker has confirmed it. */
export interface JobsPublisher {
  requestJob(message: JobRequestedV1, correlationId: string): Promise<void>;
}

/**
 * The API view of a row, checked against the contract: the response can only ever be a valid `Job`,
 * and new columns never leak by accident.
 */
const toJob = (row: JobRow): Job =>
  Job.parse({
    id: row.id,
    kind: row.kind,
    input: row.input,
    status: row.status,
    result: row.result,
    error: row.error,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  });

export class JobsService {
  constructor(
    private readonly repository: JobsRepository,
    private readonly publisher: JobsPublisher,
    private readonly logger: Logger,
  ) {}

  /**
   * Records the job, then hands it to the worker. The row comes first so that the job.finished.v1
   * reply always finds it; if the broker does not confirm, the job is marked failed and the client
   * gets a 503 (retrying creates a new job).
   */
  async create(request: CreateJobRequest, requestId: string): Promise<Job> {
    const job = toJob(await this.repository.create(request));
    try {
      await this.publisher.requestJob(
        {
          schemaVersion: 1,
          jobId: job.id,
          kind: job.kind,
          input: job.input,
          requestedAt: new Date().toISOString(),
        },
        requestId,
      );
    } catch (err) {
      this.logger.warn({ err, jobId: job.id, requestId }, 'job could not be queued');
      await this.repository.markFailed(job.id, COULD_NOT_BE_QUEUED);
      // Retry-After: the broker connection manager reconnects within seconds.
      throw new HttpError(503, 'The message broker did not take the job; try again later', {
        headers: { 'Retry-After': '5' },
      });
    }
    return job;
  }

  async get(id: string): Promise<Job> {
    const row = await this.repository.findById(id);
    if (!row) throw notFound('Job');
    return toJob(row);
  }

  /** Applies a worker's outcome; false when the job was not queued (a duplicate, or unknown). */
  applyFinished(message: JobFinishedV1): Promise<boolean> {
    return this.repository.finish(message.jobId, message);
  }
}
