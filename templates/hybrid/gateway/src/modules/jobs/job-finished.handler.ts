import type { Logger } from '../../lib/logger.js';
import type { MessageHandler } from '../../messaging/broker.js';
import { parseJobFinished } from './jobs.messages.js';
import type { JobsService } from './jobs.service.js';

/**
 * Consumes jobs.finished. A message that is not a valid job.finished.v1 is rejected (dead-lettered to
 * jobs.dead): redelivering it cannot make it valid. A valid one is applied only if its job is still
 * queued, so duplicates and redeliveries are acknowledged without changing anything. A database error
 * propagates: the broker puts the message back and it is tried again.
 */
export function jobFinishedHandler(service: JobsService, logger: Logger): MessageHandler {
  return async ({ body, properties }) => {
    // The request that submitted the job: its id, carried as the correlation id, is on every line.
    const log = logger.child({ requestId: properties.correlationId });
    const parsed = parseJobFinished(body);
    if (!parsed.ok) {
      log.warn(
        { messageId: properties.messageId, reason: parsed.reason },
        'rejected an invalid job.finished.v1 message',
      );
      return 'reject';
    }
    const { jobId, status, attempts } = parsed.message;
    const applied = await service.applyFinished(parsed.message);
    if (applied) log.info({ jobId, status, attempts }, 'job finished');
    else log.info({ jobId, status }, 'job.finished.v1 for a job that is not queued: ignored');
    return 'ack';
  };
}
