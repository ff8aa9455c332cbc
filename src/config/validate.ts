import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { z } from 'zod';
import { DnSyntaxError, parseDn } from '../directory/dn.js';
import { filterProblem } from '../directory/filter.js';
import { normalizeDomain } from '../model/domain-name.js';
import { nextHopFromConfig, nextHopFromSource } from '../model/transport.js';
import { ACCEPT_ALL_SOURCE, type Config, type LdapDirectorySourceConfig, type SourceConfig } from './config.js';
import { expandEnv, formatPath } from './expand-env.js';
import { worldReadableSecretProblems } from './literal-secrets.js';
import { plaintextPasswordProblem } from './plaintext-password.js';
import { configSchema, type RawConfig } from './schema.js';
import { rememberSecret, type Secret } from './secret.js';

const LDAP_SCHEMES = ['ldap:', 'ldaps:', 'ldapi:'];

/**
 * Checks a parsed configuration in stages (expand `${ENV}`, schema, secrets, rules) and returns
 * either the typed Config or every problem found, each as `path: what is wrong`.
 */
export function validateConfig(
  raw: unknown,
  file: string,
  baseDir: string,
  env: NodeJS.ProcessEnv = process.env,
): { config: Config; problems: [] } | { config: null; problems: string[] } {
  const expanded = expandEnv(raw, env);
  const problems = [...expanded.problems];
  const parsed = configSchema.safeParse(expanded.value ?? {});
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map(describeIssue));
    return { config: null, problems };
  }
  const c = parsed.data;
  const ldapPassword = readSecret('ldap', c.ldap, baseDir, problems);
  const postfixPassword = readSecret('postfix', c.postfix, baseDir, problems);
  if (ldapPassword === null) problems.push('ldap.bindPassword: required with ldap.bindDN (or set ldap.bindPasswordFile)');
  if (c.postfix.bindDN && postfixPassword === null) {
    problems.push('postfix.bindPassword: required with postfix.bindDN (or set postfix.bindPasswordFile)');
  }
  const { sources: rawSources, sourcePaths } = checkSources(c, problems);
  const sources = rawSources.map((s, i) => (s.kind === 'ldap' ? checkLdapDirectorySource(sourcePaths[i]!, s, baseDir, problems) : s));
  const acceptAll = checkAcceptAll(c.acceptAll, problems);
  checkLdapUrl('ldap.url', c.ldap.url, problems);
  (c.postfix.servers ?? []).forEach((url, i) => checkLdapUrl(`postfix.servers[${i}]`, url, problems));
  checkDn('ldap.baseDN', c.ldap.baseDN, problems);
  checkDn('ldap.bindDN', c.ldap.bindDN, problems);
  if (c.postfix.bindDN) checkDn('postfix.bindDN', c.postfix.bindDN, problems);
  if (c.ldap.startTLS && c.ldap.url.startsWith('ldaps:')) problems.push('ldap.startTLS: not with an ldaps:// URL (it is TLS already)');
  checkPlaintextPasswords(c, problems);
  problems.push(...worldReadableSecretProblems(raw, file));
  const transport = checkTransports(c.transport, problems);
  if (problems.length > 0) return { config: null, problems };

  const { bindPasswordFile: _a, bindPassword: _b, ...ldap } = c.ldap;
  const { bindPasswordFile: _c, bindPassword: _d, ...postfix } = c.postfix;
  const config: Config = {
    file,
    baseDir,
    sources,
    sourcePaths,
    acceptAll,
    guards: c.guards,
    transport,
    ldap: { ...ldap, caFile: ldap.caFile && resolve(baseDir, ldap.caFile), bindPassword: ldapPassword },
    postfix: { ...postfix, caFile: postfix.caFile && resolve(baseDir, postfix.caFile), bindPassword: postfixPassword },
  };
  return { config, problems: [] };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => `${formatPath([...issue.path, k])}: unknown key${suggest(k)}`).join('\n');
    case 'invalid_type':
      return issue.message.includes('received undefined') ? `${at}: required` : `${at}: expected ${issue.expected}, ${received(issue.message)}`;
    case 'invalid_union':
      return `${at}: ${issue.message}`;
    case 'invalid_value':
      return `${at}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${at}: ${issue.message}`;
  }
}

const received = (message: string): string => message.replace(/^.*?(received \w+)$/, '$1');

const KNOWN_KEYS = [
  'source', 'ldap', 'postfix', 'kind', 'url', 'tablePrefix', 'name', 'bindDN', 'bindPassword', 'bindPasswordFile',
  'baseDN', 'owner', 'startTLS', 'caFile', 'timeout', 'provenance', 'servers', 'proxy', 'guards', 'maxDeletePercent',
  'maxDeleteCount', 'transactions', 'batchSize', 'connections', 'retries', 'retryDelay', 'publisher',
  'sources', 'acceptAll', 'allowPlaintextPassword',
  'queries', 'domains', 'addresses', 'aliasDomains', 'catchAlls', 'path', 'format',
  'transport',
  'flavor', 'base', 'filter', 'mailAttribute', 'alternateAttributes', 'pageSize',
];

/** `source:` or `sources:` (exactly one), with unique names, as one list. */
function checkSources(c: RawConfig, problems: string[]): { sources: NonNullable<RawConfig['source']>[]; sourcePaths: string[] } {
  if (c.source && c.sources) {
    problems.push('sources: set either source (one) or sources (a list), not both');
    return { sources: [], sourcePaths: [] };
  }
  if (c.source) return { sources: [c.source], sourcePaths: ['source'] };
  if (!c.sources) {
    problems.push('source: required (or sources, a list of sources)');
    return { sources: [], sourcePaths: [] };
  }
  const firstAt = new Map<string, number>();
  c.sources.forEach((s, i) => {
    const other = firstAt.get(s.name);
    if (s.name === ACCEPT_ALL_SOURCE) problems.push(`sources[${i}].name: "${s.name}" is reserved (it names acceptAll in provenance)`);
    else if (other !== undefined) problems.push(`sources[${i}].name: "${s.name}" is already the name of sources[${other}]; give each source its own name`);
    else firstAt.set(s.name, i);
  });
  return { sources: c.sources, sourcePaths: c.sources.map((_, i) => `sources[${i}]`) };
}

/** acceptAll domains, normalised; each bad one is a problem. */
function checkAcceptAll(domains: readonly string[], problems: string[]): string[] {
  const result: string[] = [];
  domains.forEach((d, i) => {
    const checked = normalizeDomain(d);
    if (checked.ok) result.push(checked.value);
    else problems.push(`acceptAll[${i}]: "${d}" is not a domain: ${checked.reason}`);
  });
  return [...new Set(result)];
}

function suggest(key: string): string {
  const match = KNOWN_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
  return match ? ` (did you mean ${match}?)` : '';
}

/** `bindPassword` or the contents of `bindPasswordFile` (one trailing newline dropped). */
function readSecret(
  section: string,
  c: { bindPassword?: string | undefined; bindPasswordFile?: string | undefined },
  baseDir: string,
  problems: string[],
): Secret | null {
  if (c.bindPassword !== undefined && c.bindPasswordFile !== undefined) {
    problems.push(`${section}.bindPasswordFile: set either bindPassword or bindPasswordFile, not both`);
    return null;
  }
  if (c.bindPasswordFile !== undefined) {
    const path = resolve(baseDir, c.bindPasswordFile);
    try {
      const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
      if (value === '') problems.push(`${section}.bindPasswordFile: ${path} is empty`);
      return rememberSecret(value);
    } catch (err) {
      problems.push(`${section}.bindPasswordFile: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      return rememberSecret('');
    }
  }
  if (c.bindPassword !== undefined) {
    // An unset ${VAR} was reported already (and expanded to ''): one line for one mistake.
    const reported = problems.some((p) => p.startsWith(`${section}.bindPassword: `));
    if (c.bindPassword === '' && !reported) problems.push(`${section}.bindPassword: is empty`);
    return rememberSecret(c.bindPassword);
  }
  return null;
}

function checkLdapUrl(path: string, url: string, problems: string[]): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    problems.push(`${path}: "${url}" is not a URL (expected ldap://host:port, ldaps://host or ldapi://%2Fpath)`);
    return;
  }
  if (!LDAP_SCHEMES.includes(parsed.protocol)) problems.push(`${path}: "${url}" is not an ldap://, ldaps:// or ldapi:// URL`);
  else if (parsed.username || parsed.password) problems.push(`${path}: put credentials in bindDN/bindPassword, not in the URL`);
}

/** Password binds over unencrypted connections to other hosts: the publisher's, and the lookup account's. */
function checkPlaintextPasswords(c: RawConfig, problems: string[]): void {
  const ldap = plaintextPasswordProblem('ldap.url', c.ldap.url, c.ldap.startTLS, 'ldap.allowPlaintextPassword', c.ldap.allowPlaintextPassword);
  if (ldap) problems.push(ldap);
  if (!c.postfix.bindDN) return; // anonymous lookups send no password
  const startTLS = c.postfix.startTLS ?? c.ldap.startTLS;
  const servers = c.postfix.servers ?? [c.ldap.url];
  servers.forEach((url, i) => {
    const path = c.postfix.servers ? `postfix.servers[${i}]` : 'postfix.servers (default ldap.url)';
    const problem = plaintextPasswordProblem(path, url, startTLS, 'postfix.allowPlaintextPassword', c.postfix.allowPlaintextPassword);
    if (problem) problems.push(problem);
  });
}

function checkDn(path: string, dn: string, problems: string[]): void {
  try {
    if (parseDn(dn).length === 0) problems.push(`${path}: is empty`);
  } catch (err) {
    if (err instanceof DnSyntaxError) problems.push(`${path}: "${dn}" is not a valid DN: ${err.message}`);
    else throw err;
  }
}

export type { RawConfig };

/** `transport:` map: each key a domain, each value a transport(5) value or '' (none). */
function checkTransports(map: Readonly<Record<string, string>>, problems: string[]): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [key, value] of Object.entries(map)) {
    const domain = normalizeDomain(key);
    const hop = nextHopFromConfig(value);
    if (!domain.ok) problems.push(`transport.${key}: not a domain name: ${domain.reason}`);
    else if (!hop.ok) problems.push(`transport.${key}: ${hop.reason}`);
    else if (out.has(domain.value)) problems.push(`transport.${key}: ${domain.value} is listed twice`);
    else out.set(domain.value, hop.value);
  }
  return out;
}

const ATTRIBUTE_NAME = /^([A-Za-z][A-Za-z0-9-]*|[0-9]+(\.[0-9]+)+)$/;

/** A `kind: ldap` source at `path` (`sources[1]`): its password read, its settings checked. */
function checkLdapDirectorySource(
  path: string,
  s: Extract<NonNullable<RawConfig['source']>, { kind: 'ldap' }>,
  baseDir: string,
  problems: string[],
): LdapDirectorySourceConfig {
  const password = readSecret(path, s, baseDir, problems);
  if (s.bindDN && password === null) problems.push(`${path}.bindPassword: required with ${path}.bindDN (or set ${path}.bindPasswordFile)`);
  if (!s.bindDN && password !== null) problems.push(`${path}.bindDN: required with a bind password`);
  checkLdapUrl(`${path}.url`, s.url, problems);
  checkDn(`${path}.base`, s.base, problems);
  if (s.bindDN) checkDn(`${path}.bindDN`, s.bindDN, problems);
  if (s.startTLS && s.url.startsWith('ldaps:')) problems.push(`${path}.startTLS: not with an ldaps:// URL (it is TLS already)`);
  if (s.bindDN) {
    const p = plaintextPasswordProblem(`${path}.url`, s.url, s.startTLS, `${path}.allowPlaintextPassword`, s.allowPlaintextPassword);
    if (p) problems.push(p);
  }
  const filterError = s.filter === undefined ? null : filterProblem(s.filter);
  if (filterError) problems.push(`${path}.filter: "${s.filter}" is not an LDAP filter: ${filterError}`);
  if (s.flavor === 'activedirectory') {
    for (const key of ['mailAttribute', 'alternateAttributes'] as const) {
      if (s[key] !== undefined) problems.push(`${path}.${key}: only with flavor: plain (Active Directory addresses come from proxyAddresses)`);
    }
  }
  [s.mailAttribute, ...(s.alternateAttributes ?? [])].forEach((a, i) => {
    if (a !== undefined && !ATTRIBUTE_NAME.test(a)) problems.push(`${path}.${i === 0 ? 'mailAttribute' : `alternateAttributes[${i - 1}]`}: "${a}" is not an attribute name`);
  });
  s.domains.forEach((d, i) => {
    const checked = normalizeDomain(d);
    if (!checked.ok) problems.push(`${path}.domains[${i}]: "${d}" is not a domain: ${checked.reason}`);
  });
  if (s.transport !== undefined) {
    const hop = nextHopFromSource(s.transport);
    if (!hop.ok) problems.push(`${path}.transport: ${hop.reason}`);
    else if (hop.value === null) problems.push(`${path}.transport: "${s.transport}" names no next hop (expected smtp:[host]:port, relay:host or lmtp:inet:host:port)`);
  }
  const { bindPassword: _a, bindPasswordFile: _b, ...rest } = s;
  return { ...rest, caFile: rest.caFile && resolve(baseDir, rest.caFile), bindPassword: password };
}
