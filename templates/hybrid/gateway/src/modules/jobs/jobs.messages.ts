import {
  JOB_REQUESTED_V1_TYPE,
  JobFinishedV1,
  type JobRequestedV1,
} from '../../contracts/generated.js';
import type { OutgoingMessage } from '../../messaging/broker.js';
import { qualify } from '../../messaging/topology.js';

/** Where job.requested.v1 goes: the `jobs` exchange routes it to the worker's queue. */
export function jobRequestedMessage(
  namespace: string,
  message: JobRequestedV1,
  correlationId: string,
): OutgoingMessage {
  return {
    exchange: qualify(namespace, 'jobs'),
    routingKey: JOB_REQUESTED_V1_TYPE,
    body: Buffer.from(JSON.stringify(message)),
    properties: {
      messageId: message.jobId,
      type: JOB_REQUESTED_V1_TYPE,
      correlationId,
      // The worker counts attempts from here (absent also means 1).
      headers: { 'x-attempt': 1 },
    },
  };
}

export type ParsedJobFinished =
  { ok: true; message: JobFinishedV1 } | { ok: false; reason: string };

/** A job.finished.v1 body as the contract defines it, or why it is not one. */
export function parseJobFinished(body: Buffer): ParsedJobFinished {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const result = JobFinishedV1.safeParse(data);
  if (result.success) return { ok: true, message: result.data };
  // Paths and messages only: Zod issues do not carry the values, so nothing sensitive is logged.
  const reason = result.error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, reason };
}
