import { z } from 'zod';

// Control characters are refused in text fields: PostgreSQL cannot store NUL (the insert would
// fail with a 500) and the others corrupt logs and terminals. The rules are regex patterns, not
// refinements, so the OpenAPI document states them and clients (and fuzzers) see the same contract.
// (Character-class ranges kept as strings: a regex literal with them trips no-control-regex.)
const CONTROLS_BUT_TAB_AND_BREAKS = '\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f';
const CONTROLS = `${CONTROLS_BUT_TAB_AND_BREAKS}\\t\\n\\r`;
// What String.prototype.trim() removes, besides the controls above.
const SPACES = '\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const SINGLE_LINE = new RegExp(`^[^${CONTROLS}]*[^${CONTROLS}${SPACES}][^${CONTROLS}]*$`);
const MULTI_LINE = new RegExp(`^[^${CONTROLS_BUT_TAB_AND_BREAKS}]*$`);

/**
 * A one-line text field: at most `max` characters, not blank, no control characters. Checked as
 * sent (so the documented pattern and maxLength are exactly what is enforced), then trimmed.
 */
export const singleLineText = (max: number) =>
  z
    .string()
    // abort: the pattern never runs on an over-long string.
    .max(max, { abort: true })
    .regex(SINGLE_LINE, 'must be a non-blank single line without control characters')
    .trim();

/** Free text: at most `max` characters; tabs and line breaks allowed, other controls not. */
export const multiLineText = (max: number) =>
  z
    .string()
    .max(max, { abort: true })
    .regex(MULTI_LINE, 'must not contain control characters other than tab and line breaks')
    .trim();

// A practical address: dot-atom local part, host name with at least one dot, ASCII only. A
// pattern rather than z.email(), so the OpenAPI document says exactly what is accepted (and the
// FastAPI starter accepts the same addresses); every match is also valid for `format: email`.
const EMAIL = new RegExp(
  "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*" +
    '@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$',
);

/** An email address (at most 254 characters, RFC 5321), stored lower-case. */
export const emailAddress = () =>
  z
    .string()
    .max(254, { abort: true })
    .regex(EMAIL, 'must be an email address such as ada@example.com')
    // Part of what `format: email` means (RFC 5321), but more than a pattern can say.
    .refine((value) => value.indexOf('@') <= 64, 'the part before @ must be at most 64 characters')
    .toLowerCase()
    .meta({ format: 'email', example: 'ada@example.com' });

/**
 * An integer query parameter: only a plain decimal number is one (`?offset=`, `0x10` or `1e3`
 * are refused, as the documented `type: integer` says), within min..max.
 */
export const queryInt = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value),
    z.int().min(min).max(max),
  );
