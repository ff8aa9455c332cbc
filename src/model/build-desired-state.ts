import type { AdminRecords, Origin } from '../source/records.js';
import { normalizeAddress } from './address.js';
import type { DesiredState, ModelResult, PublishedDomain, SkippedRow } from './desired-state.js';
import { normalizeDomain } from './domain-name.js';
import { PublishedAddresses } from './published-address.js';
import { nextHopFromSource } from './transport.js';

/** PostfixAdmin's pseudo-domain for superadmin rights; never a mail domain. */
const PSEUDO_DOMAIN = 'all';

/**
 * Turns admin-database records (of one source, or of several merged with `mergeRecords`) into the
 * set of relay domains and recipient keys the MX hosts must accept (PostfixAdmin semantics):
 * - relay domains: every domain some source declares active, except the `ALL` pseudo-domain;
 * - recipients: active mailboxes, aliases and addresses (`@domain` is a catch-all) whose domain is a
 *   relay domain, unless their own source declares that domain inactive: a source that switched a
 *   domain off has switched off its own addresses there, whatever another source says;
 * - every active alias domain that is itself a relay domain accepts each recipient of its target
 *   domain (from every source: the final server resolves alias domains, not the publisher),
 *   catch-all included, one level, as Postfix resolves it.
 * Invalid values are reported in `skipped`, and so are addresses whose domain is a relay domain in
 * no source and unknown to their own (an orphan row, a typo in a file). Inactive rows, and rows of a
 * domain their own source declares inactive, are left out silently, as the admin tool would.
 * Every published domain and key keeps every origin it came from. Pure.
 */
export function buildDesiredState(records: AdminRecords): ModelResult {
  const skipped: SkippedRow[] = [...(records.unreadable ?? [])];
  const skip = (origin: Origin, value: string, reason: string): void => {
    skipped.push({ origin, value, reason });
  };

  const domains = new Map<string, MutableDomain>();
  // `source domain` pairs each source declares active / inactive, to scope a switched-off domain.
  const declaredActive = new Set<string>();
  const declaredInactive = new Set<string>();
  for (const row of records.domains) {
    if (row.domain.trim().toLowerCase() === PSEUDO_DOMAIN) continue;
    const checked = normalizeDomain(row.domain);
    if (!checked.ok) {
      skip(row.origin, row.domain, checked.reason);
      continue;
    }
    const pair = `${row.origin.source} ${checked.value}`;
    if (!row.active) {
      declaredInactive.add(pair);
      continue;
    }
    declaredActive.add(pair);
    const existing = domains.get(checked.value);
    const hop = nextHopFromSource(row.transport);
    if (!hop.ok) skip(row.origin, row.transport ?? '', `transport not published (the domain is): ${hop.reason}`);
    const transport = hop.ok ? hop.value : null;
    if (existing) {
      existing.origins.push(row.origin);
      if (existing.transport && transport && existing.transport !== transport) {
        skip(row.origin, transport, `transport not published: ${checked.value} already has ${existing.transport} from another row`);
      }
      existing.transport ??= transport;
    } else {
      domains.set(checked.value, { name: checked.value, transport, origins: [row.origin] });
    }
  }
  // Sources that list no domains (a relay_recipients file) declare each listed address's domain;
  // the domain keeps the first such row as its origin, not one per address.
  for (const row of records.addresses) {
    if (!row.declaresDomain || !row.active) continue;
    const checked = normalizeAddress(row.address, true);
    if (!checked.ok) continue; // reported below with the address
    const domain = checked.value.domain;
    const pair = `${row.origin.source} ${domain}`;
    if (declaredActive.has(pair)) continue;
    declaredActive.add(pair);
    const existing = domains.get(domain);
    if (existing) existing.origins.push(row.origin);
    else domains.set(domain, { name: domain, transport: null, origins: [row.origin] });
  }

  /** Switched off by this source itself (and not also declared active by it). */
  const offInOwnSource = (origin: Origin, domain: string): boolean =>
    declaredInactive.has(`${origin.source} ${domain}`) && !declaredActive.has(`${origin.source} ${domain}`);
  const acceptsAt = (origin: Origin, domain: string): boolean => domains.has(domain) && !offInOwnSource(origin, domain);

  // Kept compactly: the source's row objects are garbage once modelled (see PublishedAddresses).
  const addresses = new PublishedAddresses();
  const publish = (key: string, origins: readonly Origin[]): void => addresses.add(key, origins);
  const readAddresses = (rows: AdminRecords['mailboxes'], allowCatchAll: boolean): void => {
    for (const row of rows) {
      const checked = normalizeAddress(row.address, allowCatchAll);
      if (!checked.ok) {
        skip(row.origin, row.address, checked.reason);
        continue;
      }
      if (!row.active) continue;
      const domain = checked.value.domain;
      if (acceptsAt(row.origin, domain)) publish(checked.value.key, [row.origin]);
      else if (!domains.has(domain) && !offInOwnSource(row.origin, domain)) {
        skip(row.origin, row.address, `domain ${domain} is not a relay domain in any source`);
      }
    }
  };
  readAddresses(records.mailboxes, false);
  readAddresses(records.aliases, true);
  readAddresses(records.addresses, true);

  // Alias domains re-write what the target domain accepts; collect first so the expansion reads
  // only the target's own keys (alias domains are one level deep in Postfix too).
  // (Only when there are alias domains: a list of every key is not free at a million addresses.)
  const byDomain = new Map<string, string[]>();
  if (records.aliasDomains.length > 0) {
    for (const key of addresses.keys()) {
      const domain = key.slice(key.lastIndexOf('@') + 1);
      const list = byDomain.get(domain);
      if (list) list.push(key);
      else byDomain.set(domain, [key]);
    }
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
    if (!row.active || !acceptsAt(row.origin, alias.value) || !acceptsAt(row.origin, target.value)) continue;
    if (alias.value === target.value) continue;
    for (const key of byDomain.get(target.value) ?? []) {
      const local = key.slice(0, key.lastIndexOf('@'));
      publish(`${local}@${alias.value}`, [row.origin, ...addresses.get(key)!.origins]);
    }
  }

  const state: DesiredState = { domains, addresses };
  return { state, skipped };
}

interface MutableDomain extends PublishedDomain {
  transport: string | null;
  origins: Origin[];
}
