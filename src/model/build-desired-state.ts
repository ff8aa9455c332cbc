import type { AdminRecords, Origin } from '../source/records.js';
import { normalizeAddress } from './address.js';
import type { DesiredState, ModelResult, PublishedAddress, PublishedDomain, SkippedRow } from './desired-state.js';
import { normalizeDomain } from './domain-name.js';

/** PostfixAdmin's pseudo-domain for superadmin rights; never a mail domain. */
const PSEUDO_DOMAIN = 'all';

/**
 * Turns admin-database records into the set of relay domains and recipient keys the MX hosts must
 * accept (PostfixAdmin semantics):
 * - relay domains: active rows of `domain`, except the `ALL` pseudo-domain;
 * - recipients: active mailboxes and active aliases (`@domain` is a catch-all) whose domain is an
 *   active relay domain;
 * - every active alias domain that is itself an active relay domain accepts each recipient of its
 *   active target domain, catch-all included (one level, as Postfix resolves it).
 * Invalid values are reported in `skipped`; inactive rows and rows of unknown or inactive domains
 * are left out silently, as PostfixAdmin itself would ignore them. Pure.
 */
export function buildDesiredState(records: AdminRecords): ModelResult {
  const skipped: SkippedRow[] = [];
  const skip = (origin: Origin, value: string, reason: string): void => {
    skipped.push({ origin, value, reason });
  };

  const domains = new Map<string, MutableDomain>();
  for (const row of records.domains) {
    if (row.domain.trim().toLowerCase() === PSEUDO_DOMAIN) continue;
    const checked = normalizeDomain(row.domain);
    if (!checked.ok) {
      skip(row.origin, row.domain, checked.reason);
      continue;
    }
    if (!row.active) continue;
    const existing = domains.get(checked.value);
    const transport = row.transport?.trim() ? row.transport.trim() : null;
    if (existing) {
      existing.origins.push(row.origin);
      existing.transport ??= transport;
    } else {
      domains.set(checked.value, { name: checked.value, transport, origins: [row.origin] });
    }
  }

  const addresses = new Map<string, MutableAddress>();
  const publish = (key: string, domain: string, origins: readonly Origin[]): void => {
    const existing = addresses.get(key);
    if (existing) existing.origins.push(...origins);
    else addresses.set(key, { key, domain, origins: [...origins] });
  };
  const readAddresses = (rows: AdminRecords['mailboxes'], allowCatchAll: boolean): void => {
    for (const row of rows) {
      const checked = normalizeAddress(row.address, allowCatchAll);
      if (!checked.ok) {
        skip(row.origin, row.address, checked.reason);
        continue;
      }
      if (row.active && domains.has(checked.value.domain)) publish(checked.value.key, checked.value.domain, [row.origin]);
    }
  };
  readAddresses(records.mailboxes, false);
  readAddresses(records.aliases, true);

  // Alias domains re-write what the target domain accepts; collect first so the expansion reads
  // only the target's own keys (alias domains are one level deep in Postfix too).
  const byDomain = new Map<string, PublishedAddress[]>();
  for (const address of addresses.values()) {
    const list = byDomain.get(address.domain);
    if (list) list.push(address);
    else byDomain.set(address.domain, [address]);
  }
  for (const row of records.aliasDomains) {
    const alias = normalizeDomain(row.aliasDomain);
    if (!alias.ok) {
      skip(row.origin, row.aliasDomain, `alias domain: ${alias.reason}`);
      continue;
    }
    const target = normalizeDomain(row.targetDomain);
    if (!target.ok) {
      skip(row.origin, row.targetDomain, `target domain: ${target.reason}`);
      continue;
    }
    if (!row.active || !domains.has(alias.value) || !domains.has(target.value)) continue;
    if (alias.value === target.value) continue;
    for (const address of byDomain.get(target.value) ?? []) {
      const local = address.key.slice(0, address.key.lastIndexOf('@'));
      publish(`${local}@${alias.value}`, alias.value, [row.origin, ...address.origins]);
    }
  }

  const state: DesiredState = { domains, addresses };
  return { state, skipped };
}

interface MutableDomain extends PublishedDomain {
  transport: string | null;
  origins: Origin[];
}
interface MutableAddress extends PublishedAddress {
  origins: Origin[];
}
