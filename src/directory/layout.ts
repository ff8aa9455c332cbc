// The fixed directory layout other tools and the Postfix query configs rely on. Pure: no I/O.
//
//   <baseDN>                                            created if missing (organizationalUnit, ...)
//     associatedDomain=example.com,<baseDN>             mxdirRelayDomain: one per relay domain
//       mail=alice@example.com,associatedDomain=...     mxdirRecipient: one per accepted key
//       mail=@example.com,associatedDomain=...          the catch-all key of the domain
//
// Every entry mxdir writes carries mxdirManagedBy: <owner>; entries without it are never touched.

import type { DesiredState, PublishedAddress, PublishedDomain } from '../model/index.js';
import type { Origin } from '../source/records.js';
import { childDn } from './dn.js';

export const ObjectClass = {
  domain: 'mxdirRelayDomain',
  recipient: 'mxdirRecipient',
} as const;

export const Attr = {
  objectClass: 'objectClass',
  mail: 'mail',
  domain: 'associatedDomain',
  owner: 'mxdirManagedBy',
  source: 'mxdirSource',
  transport: 'mxdirTransport',
} as const;

/** Attributes mxdir reads back to diff; nothing else is fetched. */
export const READ_ATTRIBUTES: readonly string[] = Object.values(Attr);

export type EntryKind = 'base' | 'domain' | 'recipient';

/** An entry as mxdir wants it. `attributes` excludes objectClass and the naming attribute. */
export interface WantedEntry {
  readonly kind: EntryKind;
  readonly dn: string;
  /** The lookup key: the domain for domain entries, the address for recipients, the DN for the base. */
  readonly key: string;
  /** The relay domain the entry belongs to (empty for the base). */
  readonly domain: string;
  readonly objectClasses: readonly string[];
  /** Naming attribute and value. */
  readonly rdn: { readonly type: string; readonly value: string };
  /** Attributes mxdir manages and compares; an empty list means "absent". */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  /** Where it comes from (`postfixadmin mailbox a@b`), for reviews, whether or not it is recorded. */
  readonly sources: readonly string[];
}

/** Attributes compared on existing entries, per kind. Keys and object classes are never modified. */
export const MANAGED_ATTRIBUTES: Readonly<Record<EntryKind, readonly string[]>> = {
  base: [],
  domain: [Attr.source, Attr.transport],
  recipient: [Attr.source],
};

export const domainDn = (baseDN: string, domain: string): string => childDn(Attr.domain, domain, baseDN);

export const recipientDn = (baseDN: string, domain: string, key: string): string =>
  childDn(Attr.mail, key, domainDn(baseDN, domain));

/** `source table row`, one value per source row an entry was published from. */
export function formatOrigin(origin: Origin): string {
  return `${origin.source} ${origin.table} ${origin.row}`;
}

function originValues(origins: readonly Origin[]): string[] {
  // One or two origins (a mailbox and its self alias) are by far the most common: no Set, no sort.
  if (origins.length === 1) return [formatOrigin(origins[0]!)];
  if (origins.length === 2) {
    const a = formatOrigin(origins[0]!);
    const b = formatOrigin(origins[1]!);
    return a === b ? [a] : a < b ? [a, b] : [b, a];
  }
  return [...new Set(origins.map(formatOrigin))].sort();
}

export interface LayoutOptions {
  readonly baseDN: string;
  /** Ownership marker value written to mxdirManagedBy. */
  readonly owner: string;
  /** Record provenance (mxdirSource) on every entry. */
  readonly provenance: boolean;
}

// Shared, never modified: the diff builds a wanted entry for every entry it reads.
const DOMAIN_CLASSES: readonly string[] = Object.freeze([ObjectClass.domain]);
const RECIPIENT_CLASSES: readonly string[] = Object.freeze([ObjectClass.recipient]);
const NONE: readonly string[] = Object.freeze([]);
const ownerValues = new Map<string, readonly string[]>();
const ownerOf = (owner: string): readonly string[] => {
  let values = ownerValues.get(owner);
  if (!values) ownerValues.set(owner, (values = Object.freeze([owner])));
  return values;
};

export function wantedDomainEntry(domain: PublishedDomain, options: LayoutOptions): WantedEntry {
  const sources = originValues(domain.origins);
  return {
    kind: 'domain',
    dn: domainDn(options.baseDN, domain.name),
    key: domain.name,
    domain: domain.name,
    objectClasses: DOMAIN_CLASSES,
    rdn: { type: Attr.domain, value: domain.name },
    attributes: {
      [Attr.owner]: ownerOf(options.owner),
      [Attr.source]: options.provenance ? sources : NONE,
      [Attr.transport]: domain.transport ? [domain.transport] : NONE,
    },
    sources,
  };
}

export function wantedRecipientEntry(address: PublishedAddress, options: LayoutOptions): WantedEntry {
  const sources = originValues(address.origins);
  return {
    kind: 'recipient',
    dn: recipientDn(options.baseDN, address.domain, address.key),
    key: address.key,
    domain: address.domain,
    objectClasses: RECIPIENT_CLASSES,
    rdn: { type: Attr.mail, value: address.key },
    attributes: {
      [Attr.owner]: ownerOf(options.owner),
      [Attr.source]: options.provenance ? sources : NONE,
    },
    sources,
  };
}

/** Every domain and recipient entry the desired state calls for (the base is the diff's concern). */
export function wantedEntries(state: DesiredState, options: LayoutOptions): WantedEntry[] {
  const entries: WantedEntry[] = [];
  for (const domain of state.domains.values()) entries.push(wantedDomainEntry(domain, options));
  for (const address of state.addresses.values()) entries.push(wantedRecipientEntry(address, options));
  return entries;
}

/**
 * The wanted entries, looked up by kind and key and built only when asked for: a million addresses
 * stay one Map of the desired state instead of a million entry objects (the diff touches each once).
 */
export interface WantedSet {
  get(kind: 'domain' | 'recipient', key: string): WantedEntry | undefined;
  /** Every wanted entry, built one at a time. */
  entries(): Iterable<WantedEntry>;
  /** Keys only, domains first, without building entries. */
  keys(): Iterable<readonly ['domain' | 'recipient', string]>;
}

/** The desired state as a WantedSet. */
export function wantedSet(state: DesiredState, options: LayoutOptions): WantedSet {
  return {
    get: (kind, key) => {
      if (kind === 'domain') {
        const d = state.domains.get(key);
        return d ? wantedDomainEntry(d, options) : undefined;
      }
      const a = state.addresses.get(key);
      return a ? wantedRecipientEntry(a, options) : undefined;
    },
    *entries() {
      for (const domain of state.domains.values()) yield wantedDomainEntry(domain, options);
      for (const address of state.addresses.values()) yield wantedRecipientEntry(address, options);
    },
    *keys() {
      for (const key of state.domains.keys()) yield ['domain', key] as const;
      for (const key of state.addresses.keys()) yield ['recipient', key] as const;
    },
  };
}

/** A list of wanted entries (tests, small trees) as a WantedSet. */
export function wantedSetOf(list: readonly WantedEntry[]): WantedSet {
  const byKey = new Map<string, WantedEntry>();
  for (const w of list) if (w.kind !== 'base') byKey.set(`${w.kind} ${w.key}`, w);
  return {
    get: (kind, key) => byKey.get(`${kind} ${key}`),
    entries: () => byKey.values(),
    *keys() {
      for (const w of byKey.values()) yield [w.kind as 'domain' | 'recipient', w.key] as const;
    },
  };
}

/** An entry read from the managed subtree. Attribute names are lower-cased. */
export interface ExistingEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, readonly string[]>>;
}

/** Reads an attribute of an existing entry whatever the case of its name. */
export const valuesOf = (entry: ExistingEntry, name: string): readonly string[] =>
  entry.attributes[name.toLowerCase()] ?? [];

/** Structural object class for a missing base entry, by its naming attribute. */
const BASE_CLASSES: Readonly<Record<string, readonly string[]>> = {
  ou: ['organizationalUnit'],
  dc: ['domain'],
  cn: ['organizationalRole'],
  o: ['organization'],
};

/** The base entry to create when it is missing, or the reason it cannot be created. */
export function wantedBaseEntry(baseDN: string, rdn: { type: string; value: string }): WantedEntry | string {
  const classes = BASE_CLASSES[rdn.type.toLowerCase()];
  if (!classes) {
    return `cannot create a base entry named by "${rdn.type}" (mxdir creates ou=, dc=, cn= or o= entries); create ${baseDN} by hand`;
  }
  return {
    kind: 'base',
    dn: baseDN,
    key: baseDN,
    domain: '',
    objectClasses: classes,
    rdn,
    attributes: {},
    sources: [],
  };
}
