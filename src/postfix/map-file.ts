// Postfix lookup-table source files (`key OK` lines) for hosts that use postmap(1) tables instead of
// LDAP: relay_recipients and relay_domains, rendered from the desired state. Pure.

import { createHash } from 'node:crypto';

export type ExportMap = 'relay_recipients' | 'relay_domains';

export const EXPORT_MAPS: Readonly<Record<ExportMap, { parameter: string; what: string }>> = {
  relay_domains: { parameter: 'relay_domains', what: 'the domains this MX relays for' },
  relay_recipients: { parameter: 'relay_recipient_maps', what: 'every address (and @domain catch-all) this MX accepts' },
};

/** Map types postmap can build that suit these files (cdb and lmdb need postfix-cdb / postfix-lmdb). */
export const POSTMAP_TYPES = ['hash', 'btree', 'lmdb', 'cdb'] as const;
export type PostmapType = (typeof POSTMAP_TYPES)[number];

/** Why `key` cannot be a line of a map source file, or null when it can. */
export function unrepresentableKey(key: string): string | null {
  // postmap reads a line whose first non-white character is # as a comment; there is no escape.
  if (key.startsWith('#')) return 'a map source line starting with # is a comment to postmap';
  if (/\s/.test(key)) return 'white space ends a key in a map source file';
  return null;
}

export interface MapFile {
  /** The whole file text. */
  readonly text: string;
  /** sha256 of the entry lines, written in the header: equal digests, equal tables. */
  readonly digest: string;
  readonly entries: number;
}

/** `key OK` lines, sorted (byte order, like `LC_ALL=C sort`), under a header saying what made them. */
export function renderMapFile(map: ExportMap, keys: Iterable<string>, meta: { generated: Date; sources: readonly string[] }): MapFile {
  const sorted = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const body = sorted.map((k) => `${k} OK\n`).join('');
  const digest = createHash('sha256').update(body).digest('hex');
  const header = [
    `# ${map}: ${EXPORT_MAPS[map].what}.`,
    `# Written by mxdir export; do not edit (the next export replaces it). Build with postmap.`,
    `# generated: ${meta.generated.toISOString()}`,
    `# sources: ${meta.sources.join(', ')}`,
    `# entries: ${sorted.length}`,
    `# sha256: ${digest}`,
  ];
  return { text: header.join('\n') + '\n' + body, digest, entries: sorted.length };
}

/** The digest an exported file records in its header, or null (not written by mxdir export). */
export function recordedDigest(text: string): string | null {
  return /^# sha256: ([0-9a-f]{64})$/m.exec(text)?.[1] ?? null;
}

/** The keys of a map source file (first field of each non-comment line; continuations ignored). */
export function mapKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || /^\s/.test(line) || line.startsWith('#')) continue;
    keys.add(line.split(/\s/, 1)[0]!.toLowerCase());
  }
  return keys;
}

/** The main.cf lines that use the exported files. */
export function renderExportMainCf(dir: string, type: PostmapType): string {
  return (
    `# main.cf: the tables mxdir export wrote (rebuild with postmap ${type}:FILE after each export)\n` +
    (Object.keys(EXPORT_MAPS) as ExportMap[]).map((m) => `${EXPORT_MAPS[m].parameter} = ${type}:${dir}/${m}`).join('\n') +
    '\n'
  );
}
