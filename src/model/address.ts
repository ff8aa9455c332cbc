import { normalizeDomain } from './domain-name.js';
import { accept, reject, type Checked } from './result.js';
import { octets, unusableText } from './text-checks.js';

/** A recipient key as Postfix looks it up: `local@domain`, or `@domain` for a catch-all. */
export interface RecipientKey {
  /** The published key, lower case, domain as A-label. */
  readonly key: string;
  /** Empty for a catch-all. */
  readonly localPart: string;
  readonly domain: string;
}

/** RFC 5321 path limit; a longer address cannot be a recipient on the wire. */
const MAX_ADDRESS_OCTETS = 254;
const MAX_LOCAL_OCTETS = 64;

/**
 * normalizeDomain, remembered per spelling: a million addresses share a few thousand domains, and the
 * result is also one shared string per domain instead of one per address. Bounded, so a source of
 * only distinct domains cannot grow it without limit.
 */
const domainMemo = new Map<string, Checked<string>>();
function domainOf(raw: string): Checked<string> {
  let checked = domainMemo.get(raw);
  if (checked === undefined) {
    checked = normalizeDomain(raw);
    if (domainMemo.size >= 10_000) domainMemo.clear();
    domainMemo.set(raw, checked);
  }
  return checked;
}

/**
 * Validates and normalises an address as stored in an admin database. `allowCatchAll` accepts
 * `@domain` (alias tables). The local part is lower-cased like Postfix does before a table lookup,
 * and must be ASCII: the `mail` attribute that holds it in LDAP is an IA5 (ASCII) string.
 */
export function normalizeAddress(raw: string, allowCatchAll: boolean): Checked<RecipientKey> {
  if (raw === '') return reject('empty address');
  const bad = unusableText(raw);
  if (bad) return reject(bad);
  const at = raw.indexOf('@');
  if (at < 0) return reject('no @');
  if (raw.indexOf('@', at + 1) >= 0) return reject('more than one @');
  const local = raw.slice(0, at);
  const domainPart = raw.slice(at + 1);
  if (domainPart === '') return reject('empty domain part');
  if (local === '' && !allowCatchAll) return reject('empty local part');
  if (/[^\x00-\x7f]/.test(local)) return reject('non-ASCII local part (LDAP mail values are ASCII)');
  if (octets(local) > MAX_LOCAL_OCTETS) return reject(`local part longer than ${MAX_LOCAL_OCTETS} octets`);
  const domain = domainOf(domainPart);
  if (!domain.ok) return reject(`domain part: ${domain.reason}`);
  const localPart = local.toLowerCase();
  const built = `${localPart}@${domain.value}`;
  // Already normal (the common case): share the source's string instead of keeping a second copy.
  const key = built === raw ? raw : built;
  if (octets(key) > MAX_ADDRESS_OCTETS) return reject(`longer than ${MAX_ADDRESS_OCTETS} octets`);
  return accept({ key, localPart, domain: domain.value });
}
