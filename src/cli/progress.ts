// A one-line progress display for long runs (reading a large tree, writing a first publish): phase,
// done/total, rate and ETA, redrawn in place on stderr a few times a second. Silent unless stderr is
// a terminal, so cron jobs, pipes and logs never see it.

export interface ProgressSnapshot {
  readonly phase: string;
  readonly done: number;
  /** Unknown while reading a tree of unknown size. */
  readonly total: number | null;
  /** Milliseconds since the phase started. */
  readonly elapsedMs: number;
}

/** `writing: 12,000/100,500 (12%), 4,100/s, ETA 0:21`. Pure. */
export function formatProgress(s: ProgressSnapshot): string {
  const seconds = s.elapsedMs / 1000;
  const rate = seconds > 0 ? s.done / seconds : 0;
  const parts = [`${s.phase}: ${count(s.done)}${s.total !== null ? `/${count(s.total)} (${Math.floor((100 * s.done) / Math.max(1, s.total))}%)` : ''}`];
  if (seconds >= 1 && rate > 0) {
    parts.push(`${count(Math.round(rate))}/s`);
    if (s.total !== null && s.done < s.total) parts.push(`ETA ${duration((s.total - s.done) / rate)}`);
  }
  return parts.join(', ');
}

const count = (n: number): string => n.toLocaleString('en-US');

/** m:ss, or h:mm:ss from an hour. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export interface Progress {
  /** Reports the current count of a phase; a new phase name restarts the clock. */
  update(phase: string, done: number, total: number | null): void;
  /** Erases the line (before other output, and at the end). */
  clear(): void;
}

/** A Progress drawing on `stream` when it is a TTY, and doing nothing otherwise. */
export function createProgress(stream: NodeJS.WritableStream & { isTTY?: boolean }, options: { intervalMs?: number; now?: () => number } = {}): Progress {
  if (!stream.isTTY) return { update: () => undefined, clear: () => undefined };
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 250;
  let phase = '';
  let started = 0;
  let drawn = -Infinity;
  let shown = false;
  return {
    update(name, done, total) {
      const t = now();
      if (name !== phase) {
        phase = name;
        started = t;
        drawn = -Infinity;
      }
      if (t - drawn < interval && !(total !== null && done >= total)) return;
      drawn = t;
      stream.write(`\r${formatProgress({ phase, done, total, elapsedMs: t - started })}\x1b[K`);
      shown = true;
    },
    clear() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
