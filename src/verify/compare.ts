// What `mxdir verify` concludes for one server: the lookups' answers against what the admin
// database says, plus the keys that more than one entry holds. Pure.

import type { VerifiedMap as MapName } from './probes.js';
import type { Probe, ProbeSet } from './probes.js';

export type FindingKind = 'missing' | 'unexpected' | 'wrong' | 'duplicate';

export interface Finding {
  readonly kind: FindingKind;
  readonly map: MapName;
  readonly key: string;
  readonly detail: string;
}

export interface ServerVerdict {
  readonly server: string;
  readonly via: 'postmap' | 'ldap';
  readonly lookups: number;
  readonly probes: ProbeSet;
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<FindingKind, number>>;
}

/** The table parameter each map serves, as an administrator knows it. */
export const MAP_PARAMETER: Readonly<Record<MapName, string>> = {
  'relay-recipients': 'relay_recipient_maps',
  'relay-domains': 'relay_domains',
  transport: 'transport_maps',
};

export const answerKey = (map: MapName, key: string): string => `${map}\t${key}`;

export interface CompareInput {
  readonly server: string;
  readonly via: 'postmap' | 'ldap';
  readonly probes: ProbeSet;
  /** The map's answer per `answerKey(map, key)`: its value (several values joined by commas), or null. */
  readonly answers: ReadonlyMap<string, string | null>;
  /** How many entries hold each key, per map, counted over LDAP with the map's own filter. */
  readonly holders: Readonly<Partial<Record<MapName, ReadonlyMap<string, number>>>>;
}

export function compareAnswers(input: CompareInput): ServerVerdict {
  const findings: Finding[] = [];
  const duplicates = new Set<string>();
  const duplicate = (map: MapName, key: string, detail: string): void => {
    if (duplicates.has(answerKey(map, key))) return;
    duplicates.add(answerKey(map, key));
    findings.push({ kind: 'duplicate', map, key, detail });
  };
  for (const probe of input.probes.probes) {
    const value = input.answers.get(answerKey(probe.map, probe.key)) ?? null;
    if (probe.expected && value === null) findings.push({ kind: 'missing', map: probe.map, key: probe.key, detail: 'published, but the lookup finds nothing' });
    if (!probe.expected && value !== null) findings.push({ kind: 'unexpected', map: probe.map, key: probe.key, detail: unexpectedDetail(probe, value) });
    if (!probe.expected || value === null) continue;
    // The answer a single entry gives: the key itself (result_attribute is the key's attribute), or
    // the next hop. The same answer several times over means several entries hold the key. A key may
    // itself hold a comma (x=y,z@example.com), so the answer is never split blindly.
    const one = probe.value ?? probe.key;
    const n = copies(value, one, probe.value === undefined);
    if (n > 1) duplicate(probe.map, probe.key, `the lookup returns ${n} values (${value})`);
    else if (probe.value !== undefined && value !== probe.value) {
      findings.push({ kind: 'wrong', map: probe.map, key: probe.key, detail: `the lookup answers ${JSON.stringify(value)}, the admin database says ${JSON.stringify(probe.value)}` });
    }
  }
  for (const map of Object.keys(input.holders) as MapName[]) {
    for (const [key, count] of input.holders[map] ?? []) if (count > 1) duplicate(map, key, `${count} entries hold this key`);
  }
  findings.sort((a, b) => a.kind.localeCompare(b.kind) || a.map.localeCompare(b.map) || a.key.localeCompare(b.key));
  const count = (kind: FindingKind): number => findings.filter((f) => f.kind === kind).length;
  return {
    server: input.server,
    via: input.via,
    lookups: input.probes.probes.length,
    probes: input.probes,
    findings,
    counts: { missing: count('missing'), unexpected: count('unexpected'), wrong: count('wrong'), duplicate: count('duplicate') },
  };
}

/** How many times `answer` is `one`, joined by commas as Postfix joins several values (0: not that). */
function copies(answer: string, one: string, ignoreCase: boolean): number {
  const [a, o] = ignoreCase ? [answer.toLowerCase(), one.toLowerCase()] : [answer, one];
  const n = Math.round((a.length + 1) / (o.length + 1));
  return n >= 1 && a === Array.from({ length: n }, () => o).join(',') ? n : 0;
}

function unexpectedDetail(probe: Probe, value: string): string {
  const what = probe.reason === 'random' ? 'a random key that must not exist' : 'not published by the admin database';
  return `${what}, but the lookup answers ${JSON.stringify(value)}`;
}

export const verdictOk = (v: ServerVerdict): boolean => v.findings.length === 0;

/** The per-server summary: one line, then up to `limit` findings of each kind. */
export function renderVerdict(v: ServerVerdict, limit = 20): string {
  const p = v.probes;
  const negatives = p.probes.filter((x) => x.reason !== 'published').length;
  const scope = `${p.sampled.addresses} of ${p.published.addresses} addresses, ${p.sampled.domains} of ${p.published.domains} domains, ${negatives} that must not exist`;
  const wrong = v.counts.wrong > 0 ? `, ${v.counts.wrong} wrong values` : '';
  const status = verdictOk(v) ? 'OK' : `FAILED: ${v.counts.missing} missing, ${v.counts.unexpected} unexpected${wrong}, ${v.counts.duplicate} duplicates`;
  const lines = [`${v.server} (via ${v.via}): checked ${v.lookups} keys (${scope}): ${status}`];
  for (const kind of ['missing', 'unexpected', 'wrong', 'duplicate'] as const) {
    const of = v.findings.filter((f) => f.kind === kind);
    for (const f of of.slice(0, limit)) lines.push(`  ${kind.padEnd(10)} ${MAP_PARAMETER[f.map].padEnd(20)} ${f.key}: ${f.detail}`);
    if (of.length > limit) lines.push(`  ${kind.padEnd(10)} ... and ${of.length - limit} more`);
  }
  return lines.join('\n') + '\n';
}
