import { constants } from 'node:os';

/**
 * SIGTERM/SIGINT during a sync. The first aborts `stop`: a sync that has not started writing abandons
 * what it waits on (the admin database, an LDAP read, another sync's lock) and changes nothing; one
 * that is writing stops after the batch in hand (a batch is one transaction, so the tree never holds
 * half of one). A second signal aborts `abandon`: the batches in hand are given up after the
 * operation in flight, their transactions aborted; the next sync converges. Either way the
 * lock is released, what was applied is reported, and mxdir exits 128 + the signal number.
 */
export interface StopSignals {
  readonly stop: AbortSignal;
  readonly abandon: AbortSignal;
  /** The first signal received, or null. */
  received(): NodeJS.Signals | null;
  dispose(): void;
}

export function onStopSignals(onFirst: (signal: NodeJS.Signals) => void): StopSignals {
  const stop = new AbortController();
  const abandon = new AbortController();
  let first: NodeJS.Signals | null = null;
  const handler = (signal: NodeJS.Signals): void => {
    if (first === null) {
      first = signal;
      onFirst(signal);
      stop.abort();
    } else {
      abandon.abort();
    }
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return {
    stop: stop.signal,
    abandon: abandon.signal,
    received: () => first,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}

/** The conventional exit code for a process ended by `signal`: 128 + its number (SIGINT 130, SIGTERM 143). */
export function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}
