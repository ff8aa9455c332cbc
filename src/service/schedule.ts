// `mxdir sync --every 5m`: the long-lived service loop. One run at a time in this process (the
// directory lock keeps other processes and hosts out), a failed run is logged by the run itself and
// retried on the next tick, and SIGTERM/SIGINT end the service cleanly: between runs at once, during
// a run after its writer has finished the batch in hand (a second signal abandons it).

import { formatDuration } from './duration.js';
import { missedTicks, nextRunAt } from './next-run.js';

export interface ScheduleLog {
  info(line: string, fields?: Readonly<Record<string, string | number>>): void;
  warn(line: string, fields?: Readonly<Record<string, string | number>>): void;
  debug(line: string, fields?: Readonly<Record<string, string | number>>): void;
}

export interface ScheduleOptions {
  readonly intervalMs: number;
  /** One run; it reports its own outcome and must not throw. `stopRequested` turns true on a signal. */
  readonly run: (stopRequested: () => boolean) => Promise<void>;
  readonly log: ScheduleLog;
}

/** Runs at once, then on every tick, until SIGTERM or SIGINT. Resolves when the service has stopped. */
export async function runEvery(options: ScheduleOptions): Promise<void> {
  const { intervalMs, log } = options;
  let stopping: NodeJS.Signals | null = null;
  const stopped = (): boolean => stopping !== null;
  let running = false;
  let wake: (() => void) | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopped()) {
      // A second signal during a run: the run's own handler abandons its writes after the operation
      // in flight and aborts their transactions (exiting under one has crashed slapd 2.5.13), then
      // the loop ends. Between runs there is nothing to abandon.
      if (!running) process.exit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    stopping = signal;
    log.info(running ? `${signal}: stopping after the current run (signal again to abandon it)` : `${signal}: stopping`, { event: 'stop', signal });
    wake?.();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const anchor = Date.now();
    log.info(`running every ${formatDuration(intervalMs)}`, { event: 'service-start', intervalMs });
    while (!stopped()) {
      const started = Date.now();
      running = true;
      await options.run(stopped);
      running = false;
      if (stopped()) break;
      const now = Date.now();
      const missed = missedTicks(anchor, intervalMs, started, now);
      if (missed > 0) log.warn(`the run took ${formatDuration(now - started)}, longer than the interval: ${missed} tick(s) skipped`, { event: 'ticks-skipped', missed });
      const next = nextRunAt(anchor, intervalMs, started, now);
      log.debug(`next run at ${new Date(next).toISOString()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, next - now);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
    log.info('stopped', { event: 'service-stop' });
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
