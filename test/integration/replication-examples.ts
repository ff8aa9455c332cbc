// The shipped replication examples (schema/replication/), with their @PLACEHOLDERS@ filled in, and
// an independent reader that compares what a provider and its consumers hold.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, NoSuchObjectError } from 'ldapts';
import { REPO_ROOT } from './run-mxdir.js';

export const REPLICATION_DIR = join(REPO_ROOT, 'schema/replication');

/** The text of schema/replication/`name` with every `@NAME@` replaced; a placeholder left over throws. */
export async function renderExample(name: string, values: Readonly<Record<string, string>>): Promise<string> {
  const text = await readFile(join(REPLICATION_DIR, name), 'utf8');
  const rendered = text.replace(/@([A-Z_]+)@/g, (whole, key: string) => values[key] ?? whole);
  const left = [...new Set([...rendered.matchAll(/@[A-Z_]+@/g)].map((m) => m[0]))];
  if (left.length > 0) throw new Error(`${name}: placeholders not filled in: ${left.join(', ')}`);
  return rendered;
}

export interface Bind {
  readonly url: string;
  readonly dn?: string;
  readonly password?: string;
}

/**
 * Every entry under `baseDN` (user attributes, entryUUID and entryCSN), as sorted lines: two servers
 * hold the same replicated tree exactly when their snapshots are equal. Binds anonymously without a DN.
 */
export async function snapshot(server: Bind, baseDN: string): Promise<string[]> {
  const client = new Client({ url: server.url, timeout: 10_000, connectTimeout: 5_000 });
  try {
    if (server.dn) await client.bind(server.dn, server.password ?? '');
    const lines: string[] = [];
    const pages = client.searchPaginated(baseDN, { scope: 'sub', filter: '(objectClass=*)', attributes: ['*', 'entryUUID', 'entryCSN'], paged: { pageSize: 500 } });
    for await (const page of pages) {
      for (const entry of page.searchEntries) {
        const attrs = Object.entries(entry)
          .filter(([k]) => k !== 'dn')
          .map(([k, v]) => `${k.toLowerCase()}=${(Array.isArray(v) ? v.map(String) : [String(v)]).sort().join('|')}`)
          .sort();
        lines.push(`${entry.dn.toLowerCase()} ${attrs.join(' ')}`);
      }
    }
    return lines.sort();
  } catch (err) {
    if (err instanceof NoSuchObjectError) return [];
    throw err;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/**
 * Polls until every consumer's snapshot equals the provider's; returns the milliseconds from `since`
 * to the moment they all matched. Throws with the differences after `timeoutMs`.
 */
export async function waitForReplicas(provider: Bind, consumers: readonly Bind[], baseDN: string, since: number, timeoutMs = 60_000): Promise<{ ms: number; entries: number }> {
  const want = await snapshot(provider, baseDN);
  const deadline = Date.now() + timeoutMs;
  let last: string[][] = [];
  const errors: string[] = [];
  for (;;) {
    last = await Promise.all(
      consumers.map((c, i) =>
        snapshot(c, baseDN).catch((err: unknown) => {
          errors[i] = `${(err as Error).name}: ${(err as Error).message}`;
          return [];
        }),
      ),
    );
    const done = Date.now();
    if (last.every((got) => got.length === want.length && got.every((line, i) => line === want[i]))) return { ms: done - since, entries: want.length };
    if (done > deadline) {
      const report = last.map((got, i) => {
        const missing = want.filter((l) => !got.includes(l)).slice(0, 3);
        const extra = got.filter((l) => !want.includes(l)).slice(0, 3);
        return `consumer ${i + 1}: ${got.length} entries (want ${want.length})${errors[i] ? ` (last error: ${errors[i]})` : ''}; missing ${missing.join('; ')}; extra ${extra.join('; ')}`;
      });
      throw new Error(`consumers did not match the provider within ${timeoutMs} ms:\n${report.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
