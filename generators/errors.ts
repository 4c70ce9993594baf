/**
 * The one error family the CLI shows to users. Each carries the phase it happened in, a message the user
 * can act on, an optional hint, and the exit code the process ends with. Anything else is a bug and is
 * reported as such (exit 1).
 */
export type Phase = 'args' | 'answers' | 'template' | 'plan' | 'target' | 'write' | 'post-step' | 'upgrade';

/** Exit codes are part of the CLI's contract; README.md documents them. */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  targetConflict: 3,
  writeFailed: 4,
  postStepFailed: 5,
  /** A remote template (git, tarball) could not be fetched; nothing was written. */
  fetchFailed: 6,
  /** Upgrade: conflicts were left for the user to resolve, or --check found a newer template. Not 1, so CI can tell it from a bug. */
  upgradeNeedsAttention: 7,
  cancelled: 130,
  terminated: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  readonly phase: Phase;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  readonly details: readonly string[];

  constructor(
    phase: Phase,
    message: string,
    opts: { exitCode?: ExitCodeValue; hint?: string; details?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.phase = phase;
    this.exitCode = opts.exitCode ?? ExitCode.usage;
    this.hint = opts.hint;
    this.details = opts.details ?? [];
  }
}

/** Raised when the user cancels a prompt or presses Ctrl-C; nothing has been written at that point. */
export class CancelledError extends CliError {
  constructor(phase: Phase, signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(phase, 'Cancelled. Nothing was written.', {
      exitCode: signal === 'SIGTERM' ? ExitCode.terminated : ExitCode.cancelled,
    });
    this.name = 'CancelledError';
  }
}
