import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EMPTY_METRICS, nextMetrics, parseMetrics, renderMetrics } from './metrics.js';
import type { RunReport } from './run-report.js';

/**
 * Adds `report` to the metrics file at `path`, atomically: the textfile collector reads either the
 * old or the new file, never half of one. The temp file sits in the same directory (same file
 * system, so rename is atomic) and starts with a dot, which the collector does not read (*.prom only).
 */
export async function writeMetricsFile(path: string, report: RunReport): Promise<void> {
  const previous = await readFile(path, 'utf8').then(parseMetrics, () => EMPTY_METRICS);
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, renderMetrics(nextMetrics(previous, report)), { mode: 0o644 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}
