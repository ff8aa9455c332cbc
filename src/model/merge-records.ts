import type { AdminRecords } from '../source/records.js';

/**
 * Several sources' records as one set, in the order given (the config's order, which keeps reports
 * and provenance stable). Nothing is de-duplicated here: the model merges keys and keeps every
 * origin, so an address two sources agree on records both. Pure.
 */
export function mergeRecords(list: readonly AdminRecords[]): AdminRecords {
  // One source (the usual case): its arrays as they are, not copies of a million entries.
  const only = list.length === 1 ? list[0]! : null;
  if (only) return { ...only, unreadable: only.unreadable ?? [] };
  return {
    domains: list.flatMap((r) => r.domains),
    mailboxes: list.flatMap((r) => r.mailboxes),
    aliases: list.flatMap((r) => r.aliases),
    aliasDomains: list.flatMap((r) => r.aliasDomains),
    addresses: list.flatMap((r) => r.addresses),
    unreadable: list.flatMap((r) => r.unreadable ?? []),
  };
}
