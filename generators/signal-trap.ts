/**
 * Turns SIGINT/SIGTERM into a flag that long file operations check between steps, so they can undo their
 * work and end with CancelledError (exit 130/143) instead of dying half-way. `onSecond` runs when a
 * second signal arrives while the first is still being handled (the user insists).
 */
import { CancelledError, type Phase } from './errors.js';

export type Signal = 'SIGINT' | 'SIGTERM';

export interface SignalTrap {
  /** Throws CancelledError if a signal arrived since the trap was set. */
  checkpoint(): void;
  /** The first signal that arrived, if any. */
  signal(): Signal | undefined;
  release(): void;
}

/** `onFirst` runs when the first signal arrives (e.g. to pass it on to a child process that did not get it). */
export function trapSignals(phase: Phase, onSecond?: (signal: Signal) => void, onFirst?: (signal: Signal) => void): SignalTrap {
  let signalled: Signal | undefined;
  const onSignal = (signal: Signal) => {
    if (signalled && onSecond) onSecond(signal);
    if (signalled === undefined) onFirst?.(signal);
    signalled ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    checkpoint() {
      if (signalled) throw new CancelledError(phase, signalled);
    },
    signal: () => signalled,
    release() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
