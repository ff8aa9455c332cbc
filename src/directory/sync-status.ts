import { Attribute, Change, NoSuchObjectError, type Client } from 'ldapts';
import type { RunReport } from '../service/run-report.js';
import { childDn } from './dn.js';
import { directoryError } from './ldap-errors.js';

// Every sync records its outcome in the tree it publishes (cn=mxdir-status,<baseDN>, one entry per
// publisher owner), so any host that can read the tree, replicas included, can tell how fresh the
// published list is. The entry has no recipient or domain class: the diff leaves it alone.

export const STATUS_CLASS = 'mxdirSyncStatus';

const DEFAULT_OWNER = 'mxdir';

/** cn=mxdir-status,<baseDN> for the default owner, cn=mxdir-status-<owner>,<baseDN> for others. */
export function statusDn(baseDN: string, owner: string): string {
  return childDn('cn', statusCn(owner), baseDN);
}

const statusCn = (owner: string): string => (owner.toLowerCase() === DEFAULT_OWNER ? 'mxdir-status' : `mxdir-status-${owner}`);

/** The status entry as read back; times are Dates, absent values undefined. */
export interface SyncStatus {
  readonly dn: string;
  readonly owner?: string;
  readonly lastRun?: Date;
  readonly lastResult?: string;
  readonly lastMessage?: string;
  readonly lastDurationMs?: number;
  readonly lastHost?: string;
  readonly lastSuccess?: Date;
  readonly domains?: number;
  readonly addresses?: number;
  readonly added?: number;
  readonly modified?: number;
  readonly deleted?: number;
  readonly digest?: string;
}

const A = {
  lastRun: 'mxdirLastRunTime',
  lastResult: 'mxdirLastRunResult',
  lastMessage: 'mxdirLastRunMessage',
  lastDurationMs: 'mxdirLastRunDuration',
  lastHost: 'mxdirLastRunHost',
  lastSuccess: 'mxdirLastSuccessTime',
  domains: 'mxdirPublishedDomains',
  addresses: 'mxdirPublishedAddresses',
  added: 'mxdirAddCount',
  modified: 'mxdirModifyCount',
  deleted: 'mxdirDeleteCount',
  digest: 'mxdirSourceDigest',
  owner: 'mxdirManagedBy',
} as const;

/** RFC 4517 GeneralizedTime in UTC, to the second: 20261125024500Z. */
export function generalizedTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Parses GeneralizedTime as OpenLDAP returns it (YYYYMMDDHHMMSS[.fff]Z). */
export function parseGeneralizedTime(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(value);
  if (!m) return undefined;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms));
}

/**
 * The attribute values a run sets. A run that did not succeed sets only the last-run attributes:
 * the last success, counts and digest keep describing what is published.
 */
export function statusValues(report: RunReport, host: string): Record<string, string> {
  const values: Record<string, string> = {
    [A.lastRun]: generalizedTime(report.startedAt),
    [A.lastResult]: report.result,
    [A.lastMessage]: report.message || report.result,
    [A.lastDurationMs]: String(Math.round(report.durationMs)),
    [A.lastHost]: host,
  };
  if (report.result === 'ok' && report.counts) {
    Object.assign(values, {
      [A.lastSuccess]: generalizedTime(report.startedAt),
      [A.domains]: String(report.counts.domains),
      [A.addresses]: String(report.counts.addresses),
      [A.added]: String(report.counts.added),
      [A.modified]: String(report.counts.modified),
      [A.deleted]: String(report.counts.deleted),
      ...(report.digest ? { [A.digest]: report.digest } : {}),
    });
  }
  return values;
}

/**
 * Replaces the run's attributes on the status entry, creating it on the first run. Returns false
 * when the base entry does not exist yet (a first sync that failed before creating it): there is
 * nothing published to describe.
 */
export async function writeStatus(client: Client, baseDN: string, owner: string, values: Record<string, string>): Promise<boolean> {
  const dn = statusDn(baseDN, owner);
  const attributes = Object.entries(values).map(([type, value]) => new Attribute({ type, values: [value] }));
  // Look for the base first: a write below a DN outside every naming context is answered with
  // "unwilling to perform" (53) rather than "no such object", and a run that failed because of a
  // wrong baseDN must not add a second error line about its status.
  try {
    await client.search(baseDN, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
  } catch (err) {
    if (err instanceof NoSuchObjectError) return false;
    throw directoryError(`record the sync status in ${dn}`, err);
  }
  try {
    await client.modify(
      dn,
      attributes.map((modification) => new Change({ operation: 'replace', modification })),
    );
    return true;
  } catch (err) {
    if (!(err instanceof NoSuchObjectError)) throw directoryError(`record the sync status in ${dn}`, err);
  }
  try {
    await client.add(dn, [
      new Attribute({ type: 'objectClass', values: [STATUS_CLASS] }),
      new Attribute({ type: 'cn', values: [statusCn(owner)] }),
      new Attribute({ type: A.owner, values: [owner] }),
      ...attributes,
    ]);
    return true;
  } catch (err) {
    if (err instanceof NoSuchObjectError) return false;
    throw directoryError(`create the sync status entry ${dn}`, err);
  }
}

/** The status entry of `owner` under `baseDN`, or null when no sync has recorded one yet. */
export async function readStatus(client: Client, baseDN: string, owner: string): Promise<SyncStatus | null> {
  const dn = statusDn(baseDN, owner);
  let entry: Record<string, unknown> | undefined;
  try {
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: `(objectClass=${STATUS_CLASS})`, attributes: Object.values(A) });
    entry = searchEntries[0];
  } catch (err) {
    if (err instanceof NoSuchObjectError) return null;
    throw directoryError(`read the sync status ${dn}`, err);
  }
  if (!entry) return null;
  const lower = new Map(Object.entries(entry).map(([k, v]) => [k.toLowerCase(), v]));
  const text = (name: string): string | undefined => {
    const v = lower.get(name.toLowerCase());
    const first = Array.isArray(v) ? v[0] : v;
    return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
  };
  const int = (name: string): number | undefined => {
    const v = text(name);
    return v === undefined || !/^-?\d+$/.test(v) ? undefined : Number(v);
  };
  const time = (name: string): Date | undefined => {
    const v = text(name);
    return v === undefined ? undefined : parseGeneralizedTime(v);
  };
  return {
    dn,
    owner: text(A.owner),
    lastRun: time(A.lastRun),
    lastResult: text(A.lastResult),
    lastMessage: text(A.lastMessage),
    lastDurationMs: int(A.lastDurationMs),
    lastHost: text(A.lastHost),
    lastSuccess: time(A.lastSuccess),
    domains: int(A.domains),
    addresses: int(A.addresses),
    added: int(A.added),
    modified: int(A.modified),
    deleted: int(A.deleted),
    digest: text(A.digest),
  };
}
