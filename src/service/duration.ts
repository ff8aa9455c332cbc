// Durations on the command line (`--every 5m`, `--max-age 2h`): one or more <number><unit> groups,
// units s, m, h, d, as systemd and most schedulers write them. Pure.

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of `text` ("30s", "5m", "1h30m"), or the reason it is not a duration. */
export function parseDuration(text: string): number | string {
  const trimmed = text.trim().toLowerCase();
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(trimmed)) {
    return /^\d+(\.\d+)?$/.test(trimmed) ? 'a unit is missing (s, m, h or d, e.g. 30s, 5m, 1h)' : 'not a duration (e.g. 30s, 5m, 1h, 1h30m)';
  }
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)([smhd])/g)) ms += Number(n) * UNIT_MS[unit!]!;
  ms = Math.round(ms);
  if (ms < 1000) return 'must be at least 1s';
  return ms;
}

/** A short human form: 45s, 5m, 1h30m, 2d3h; sub-second values as ms. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  return parts.slice(0, 2).join('');
}
