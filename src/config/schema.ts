import { z } from 'zod';

// The configuration file's shape. Unknown keys are errors (strictObject), so a typo never silently
// falls back to a default. Every key is documented in config.example.yaml.

/** Attempts after a transient failure of a database source (down, restarting, connection lost), with backoff. */
const sourceRetries = {
  retries: z.number().int().min(0).max(20).default(3),
  /** Seconds before the first retry; doubled each time (at most 30). */
  retryDelay: z.number().positive().max(3600).default(1),
};

const postfixAdminSource = z.strictObject({
  kind: z.literal('postfixadmin'),
  /** sqlite:///path, postgres://user@host/db, mysql://user@host/db */
  url: z.string().min(1),
  /** PostfixAdmin's `$CONF['database_prefix']`. */
  tablePrefix: z.string().default(''),
  /** Name recorded in provenance and reports. */
  name: z.string().min(1).default('postfixadmin'),
  ...sourceRetries,
});

const sqlQuery = z.string().trim().min(1);

/** Any admin database through the admin's own queries (columns: src/source/sql-source.ts). */
const sqlSource = z.strictObject({
  kind: z.literal('sql'),
  url: z.string().min(1),
  queries: z.strictObject({
    /** Relay domains: column `domain`. */
    domains: sqlQuery,
    /** Accepted addresses: column `address` (`@domain` is a catch-all). */
    addresses: sqlQuery,
    /** Alias domains: columns `alias_domain`, `target_domain`. */
    aliasDomains: sqlQuery.optional(),
    /** Domains accepting every recipient: column `domain`. */
    catchAlls: sqlQuery.optional(),
  }),
  name: z.string().min(1).default('sql'),
  ...sourceRetries,
});

/** A Postfix-style relay_recipients file or a plain list of addresses. */
const fileSource = z.strictObject({
  kind: z.literal('file'),
  /** Relative to the config file's folder. */
  path: z.string().min(1),
  /** map: `address  value` lines; list: one address per line; auto: map when any line has a value. */
  format: z.enum(['auto', 'map', 'list']).default('auto'),
  /** The relay domains this file is for; default: every domain it lists an address (or @domain) in. */
  domains: z.array(z.string().min(1)).optional(),
  name: z.string().min(1).default('file'),
});

/** A corporate directory: Active Directory (proxyAddresses) or plain LDAP (mail and alternates). */
const ldapDirectorySource = z.strictObject({
  kind: z.literal('ldap'),
  /** activedirectory: SMTP:/smtp: values of proxyAddresses, disabled accounts skipped; plain: mail attributes. */
  flavor: z.enum(['activedirectory', 'plain']),
  url: z.string().min(1),
  /** The reading account; without it the search is anonymous. */
  bindDN: z.string().min(1).optional(),
  bindPassword: z.string().optional(),
  bindPasswordFile: z.string().min(1).optional(),
  startTLS: z.boolean().default(false),
  caFile: z.string().min(1).optional(),
  allowPlaintextPassword: z.boolean().default(false),
  timeout: z.number().positive().max(3600).default(30),
  /** Where the search starts (subtree). */
  base: z.string().min(1),
  /** Default: (proxyAddresses=*) for activedirectory, any of the mail attributes present for plain. */
  filter: z.string().min(1).optional(),
  /** plain: the primary address attribute. */
  mailAttribute: z.string().min(1).optional(),
  /** plain: further address attributes (mailAlternateAddress, mailLocalAddress, ...). */
  alternateAttributes: z.array(z.string().min(1)).optional(),
  /** The relay domains this directory's addresses are published for; addresses elsewhere are counted and left out. */
  domains: z.array(z.string().min(1)).min(1),
  /** Next hop for these domains (smtp:[exchange.example.com]:25); default none. */
  transport: z.string().min(1).optional(),
  /** Entries per page of the paged search (AD's MaxPageSize is 1000, slapd's default size limit 500). */
  pageSize: z.number().int().min(1).max(1000).default(500),
  name: z.string().min(1).default('directory'),
});

export const sourceSchema = z.discriminatedUnion('kind', [postfixAdminSource, sqlSource, fileSource, ldapDirectorySource]);

const seconds = z.number().positive().max(3600);

export const ldapSchema = z.strictObject({
  url: z.string().min(1),
  bindDN: z.string().min(1),
  bindPassword: z.string().optional(),
  bindPasswordFile: z.string().min(1).optional(),
  /** The subtree mxdir owns; created if missing. */
  baseDN: z.string().min(1),
  /** Value of the ownership marker (mxdirManagedBy) on every entry mxdir writes. */
  owner: z.string().min(1).max(256).default('mxdir'),
  startTLS: z.boolean().default(false),
  /** CA certificate (PEM) that the server certificate must chain to, for ldaps:// and StartTLS. */
  caFile: z.string().min(1).optional(),
  /** Allow a password bind over plain ldap:// to a host other than this one (the password travels in clear). */
  allowPlaintextPassword: z.boolean().default(false),
  /** Connect and operation timeout. */
  timeout: seconds.default(10),
  /** Record on every entry the source rows it came from (mxdirSource). */
  provenance: z.boolean().default(true),
  /** Commit writes in RFC 5805 transactions: auto = when the server advertises them. */
  transactions: z.enum(['auto', 'on', 'off']).default('auto'),
  /** Operations per transaction (a few hundred to a thousand commit fastest on slapd). */
  batchSize: z.number().int().min(1).max(10000).default(500),
  /** Parallel connections for writing, each with its own transaction. */
  connections: z.number().int().min(1).max(32).default(4),
  /** Attempts after a transient failure (busy, unavailable, connection lost), with backoff. */
  retries: z.number().int().min(0).max(20).default(3),
  /** Seconds before the first retry; doubled each time (at most 30). */
  retryDelay: seconds.default(0.5),
  /** This publisher's name in the sync lock (default: the host name). */
  publisher: z.string().min(1).max(256).optional(),
});

export const postfixSchema = z.strictObject({
  /** server_host list, in the order Postfix tries them; defaults to ldap.url. */
  servers: z.array(z.string().min(1)).min(1).optional(),
  /** A read-only lookup account; without it the maps bind anonymously (bind = no). */
  bindDN: z.string().min(1).optional(),
  bindPassword: z.string().optional(),
  bindPasswordFile: z.string().min(1).optional(),
  startTLS: z.boolean().optional(),
  caFile: z.string().min(1).optional(),
  /** Allow the lookup account's password over plain ldap:// to a host other than the MX itself. */
  allowPlaintextPassword: z.boolean().default(false),
  timeout: seconds.default(10),
  /** Wrap the maps in proxy:ldap: so smtpd processes share connections through proxymap. */
  proxy: z.boolean().default(true),
});

export const guardsSchema = z.strictObject({
  /** Refuse a sync that deletes more than this share (percent) of the published addresses. */
  maxDeletePercent: z.number().min(0).max(100).default(10),
  /** Refuse a sync that deletes more than this many addresses, whatever the share. */
  maxDeleteCount: z.number().int().min(0).default(1000),
});

export const configSchema = z.strictObject({
  /** One source; or `sources`, a list (exactly one of the two: validate.ts). */
  source: sourceSchema.optional(),
  /** Several sources, merged; each with a unique `name`. */
  sources: z.array(sourceSchema).min(1).optional(),
  /** Domains whose every recipient is accepted (`@domain` published): relays whose users are unknown. */
  acceptAll: z.array(z.string().min(1)).default([]),
  ldap: ldapSchema,
  postfix: postfixSchema.default({ timeout: 10, proxy: true, allowPlaintextPassword: false }),
  guards: guardsSchema.default({ maxDeletePercent: 10, maxDeleteCount: 1000 }),
  /** Per-domain next hop for the MX hosts (transport(5) value), over any source's; '' for none. */
  transport: z.record(z.string(), z.string()).default({}),
});

export type RawConfig = z.infer<typeof configSchema>;
