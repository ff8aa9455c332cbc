// Per-domain next hops (transport(5) values) for the MX hosts. Pure.
//
// An admin database's transport column says how the *mailbox host* delivers a domain: PostfixAdmin
// stores `virtual` (its default), `virtual:`, `local`, `lmtp:unix:private/dovecot-lmtp`, ... None of
// those means anything on a relay MX, whose job is to pass the mail on to a host. So from a source
// only `smtp:`, `relay:` and `lmtp:` values with an explicit network next hop are published; a value
// without a next hop is the transport's default (nothing to publish); anything else is reported.
// Values from the config's `transport:` map are the MX admin's own choice and may name any transport
// the MX's master.cf defines.

import type { DesiredState, PublishedDomain } from './desired-state.js';
import { accept, reject, type Checked } from './result.js';
import { unusableText } from './text-checks.js';

/** Transports that carry mail to another host. */
const RELAY_TRANSPORTS = ['smtp', 'relay', 'lmtp'];

/** Longest value mxdirTransport holds (schema: SYNTAX ...15{1024}). */
const MAX_LENGTH = 1024;

const TRANSPORT_VALUE = /^([A-Za-z0-9][A-Za-z0-9_.-]*):(.*)$/;

/**
 * The next hop to publish for a transport value read from a source: `smtp:[mx.example.org]:25`,
 * `relay:mail.example.org`, `lmtp:inet:10.0.0.5:24`. Null when the value names no next hop (empty,
 * `virtual`, `virtual:`, `smtp:`); the reason when it names one the MX cannot use.
 */
export function nextHopFromSource(raw: string | null | undefined): Checked<string | null> {
  const value = raw?.trim() ?? '';
  if (value === '') return accept(null);
  const m = TRANSPORT_VALUE.exec(value);
  if (!m) return accept(null); // a bare transport name (`virtual`, `local`): delivery on the mailbox host
  const [, name, nexthop] = m as unknown as [string, string, string];
  if (nexthop === '') return accept(null);
  if (!RELAY_TRANSPORTS.includes(name.toLowerCase())) {
    return reject(`transport "${name}" delivers on the mailbox host; only smtp:, relay: and lmtp: next hops are published (set one for the MX in the config's transport: map)`);
  }
  if (name.toLowerCase() === 'lmtp' && /^unix:/i.test(nexthop)) return reject('an lmtp:unix: socket is local to the mailbox host, not a next hop for the MX');
  // master.cf service names are case-sensitive: `SMTP:` would name no transport on the MX.
  return checkValue(`${name.toLowerCase()}:${nexthop}`);
}

/**
 * A transport value the MX admin configured (`transport:` map): any `name:nexthop`, or empty for
 * "no next hop" (the domain then follows relay_transport).
 */
export function nextHopFromConfig(raw: string): Checked<string | null> {
  const value = raw.trim();
  if (value === '') return accept(null);
  if (!TRANSPORT_VALUE.test(value)) return reject(`"${value}" is not a transport(5) value such as smtp:[mail.example.org]:25`);
  return checkValue(value);
}

function checkValue(value: string): Checked<string> {
  const bad = unusableText(value);
  if (bad) return reject(bad);
  if (Buffer.byteLength(value, 'utf8') > MAX_LENGTH) return reject(`longer than ${MAX_LENGTH} octets`);
  return accept(value);
}

/**
 * The desired state with the config's per-domain next hops applied (they win over any source's), and
 * the configured domains that no source publishes (the caller warns: a typo routes nothing).
 */
export function applyTransportOverrides(
  state: DesiredState,
  overrides: ReadonlyMap<string, string | null>,
): { state: DesiredState; unknownDomains: string[] } {
  if (overrides.size === 0) return { state, unknownDomains: [] };
  const domains = new Map<string, PublishedDomain>(state.domains);
  const unknownDomains: string[] = [];
  for (const [name, transport] of overrides) {
    const domain = domains.get(name);
    if (domain) domains.set(name, { ...domain, transport });
    else unknownDomains.push(name);
  }
  return { state: { ...state, domains }, unknownDomains };
}
