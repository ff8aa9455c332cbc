// When the next scheduled run starts. Pure: the loop in schedule.ts supplies the clock.
//
// Runs sit on a fixed grid (start, start + interval, ...), so a 5m schedule does not drift by the
// duration of each run. A run that outlasts the interval never overlaps the next one: the tick that
// fell during it is delayed until it ends (the next run starts at once), and any further ticks that
// fell during it are skipped, not queued.

/** The first grid point strictly after `lastStart`, or `now` when that point has already passed. */
export function nextRunAt(anchor: number, intervalMs: number, lastStart: number, now: number): number {
  const ticks = Math.floor((lastStart - anchor) / intervalMs) + 1;
  const due = anchor + Math.max(1, ticks) * intervalMs;
  return Math.max(due, now);
}

/** Grid points skipped because a run started at `lastStart` lasted until `now`. */
export function missedTicks(anchor: number, intervalMs: number, lastStart: number, now: number): number {
  const first = Math.floor((lastStart - anchor) / intervalMs) + 1;
  const last = Math.floor((now - anchor) / intervalMs);
  return Math.max(0, last - first);
}
