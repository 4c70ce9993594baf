import { Prisma, type Job as JobRow, type PrismaClient } from '../../generated/prisma/client.js';
import type { CreateJobRequest, JobFinishedV1 } from '../../contracts/generated.js';

export type { JobRow };

/** Data access only: no HTTP, no messaging. Returns null when a row is missing. */
export class JobsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create({ kind, input }: CreateJobRequest): Promise<JobRow> {
    return this.prisma.job.create({ data: { kind, input } });
  }

  findById(id: string): Promise<JobRow | null> {
    return this.prisma.job.findUnique({ where: { id } });
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.prisma.job.updateMany({
      where: { id, status: 'queued' },
      data: { status: 'failed', error },
    });
  }

  /**
   * Records the worker's outcome, but only while the job is still queued: a redelivered or
   * duplicated message then changes nothing. Returns whether this call applied it.
   */
  async finish(
    id: string,
    outcome: Pick<JobFinishedV1, 'status' | 'result' | 'error' | 'attempts'>,
  ): Promise<boolean> {
    const { status, result, error, attempts } = outcome;
    const { count } = await this.prisma.job.updateMany({
      where: { id, status: 'queued' },
      // A SQL NULL, not the JSON value null, so "no result" reads back as null either way.
      data: { status, result: result ?? Prisma.DbNull, error, attempts },
    });
    return count === 1;
  }
}
