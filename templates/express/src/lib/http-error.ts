import { STATUS_CODES } from 'node:http';

/** One invalid input, in a validation problem's `errors` list. */
export interface FieldError {
  /** Where the value was: the OpenAPI parameter location, or the body. */
  location: 'path' | 'query' | 'header' | 'body';
  /** Dotted path inside that location ("email", "items.0.name"); empty for the whole body. */
  path: string;
  message: string;
}

/**
 * An RFC 9457 problem details object, the body of every error answer
 * (`Content-Type: application/problem+json`). `type` stays `about:blank`: the HTTP status says what
 * kind of problem it is, and `title` is then the status's standard phrase.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
}

export const PROBLEM_JSON = 'application/problem+json';

// RFC 9110's names, the same in both starters whatever the runtime's table says (Node's still has
// "Payload Too Large" and "Unprocessable Entity").
const TITLES: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export const statusTitle = (status: number): string =>
  TITLES[status] ?? STATUS_CODES[status] ?? 'Error';

/** An error whose status and detail are safe to show to the client. */
export class HttpError extends Error {
  override name = 'HttpError';

  constructor(
    readonly status: number,
    /** Human-readable, specific to this occurrence; never includes submitted values. */
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
  }
}

export const notFound = (what = 'Resource') => new HttpError(404, `${what} not found`);
export const conflict = (detail: string) => new HttpError(409, detail);
