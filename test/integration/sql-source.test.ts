// kind: sql against real databases of the admin tools' shapes: ViMbAdmin in MariaDB and Modoboa in
// PostgreSQL, each with the example queries read from config.example.yaml itself (so the shipped
// text is what is tested), and a generic SQLite database. Publishes into a real slapd.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createScratchDb } from '../fixtures/scratch-db.js';
import type { TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished, withRootClient } from './ldap-state.js';
import { REPO_ROOT, runMxdir, writeConfig } from './run-mxdir.js';

/** The source of the commented `# example NAME:` block in config.example.yaml, parsed. */
async function exampleSource(name: string): Promise<Record<string, unknown>> {
  const text = await readFile(join(REPO_ROOT, 'config.example.yaml'), 'utf8');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`# example ${name}:`));
  const end = lines.findIndex((l, i) => i > start && l === '# end of example');
  expect(start, `example ${name} in config.example.yaml`).to.be.greaterThan(-1);
  const block = lines.slice(start, end);
  const yaml = block.slice(block.findIndex((l) => l === '# sources:')).map((l) => l.replace(/^# ?/, ''));
  const parsed = parse(yaml.join('\n')) as { sources: Record<string, unknown>[] };
  expect(parsed.sources).to.have.length(1);
  return parsed.sources[0]!;
}

describe('sync: kind sql', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let env: NodeJS.ProcessEnv;
  const dbs: TestDb[] = [];
  const config = (source: Record<string, unknown>, baseDN: string) => ({
    sources: [source],
    ldap: { url: slapd.url, bindDN: slapd.rootDN, bindPassword: '${MXDIR_BIND_PASSWORD}', baseDN },
  });

  before(async () => {
    slapd = await startSlapd();
    env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
  });
  after(async () => {
    await slapd?.stop();
    for (const db of dbs) await db.drop();
  });

  it('ViMbAdmin in MariaDB, with the example of config.example.yaml', async () => {
    const db = await createScratchDb('mysql', [
      `CREATE TABLE domain (id bigint AUTO_INCREMENT PRIMARY KEY, domain varchar(255) NOT NULL UNIQUE, description varchar(255), max_aliases int DEFAULT 0, max_mailboxes int DEFAULT 0, max_quota bigint DEFAULT 0, quota bigint DEFAULT 0, transport varchar(255) DEFAULT 'virtual', backupmx tinyint(1) DEFAULT 0, active tinyint(1) DEFAULT 1, homedir varchar(255), maildir varchar(255), uid bigint, gid bigint, alias_count bigint DEFAULT 0, mailbox_count bigint DEFAULT 0, created datetime NOT NULL DEFAULT '2020-01-01 00:00:00', modified datetime) ENGINE=InnoDB`,
      `CREATE TABLE mailbox (id bigint AUTO_INCREMENT PRIMARY KEY, username varchar(255) NOT NULL UNIQUE, password varchar(255), name varchar(255), alt_email varchar(255), quota bigint DEFAULT 0, local_part varchar(255) NOT NULL, active tinyint(1) DEFAULT 1, access_restriction varchar(100) DEFAULT 'ALL', homedir varchar(255), maildir varchar(255), uid bigint, gid bigint, created datetime NOT NULL DEFAULT '2020-01-01 00:00:00', modified datetime, Domain_id bigint, FOREIGN KEY (Domain_id) REFERENCES domain (id) ON DELETE CASCADE) ENGINE=InnoDB`,
      `CREATE TABLE alias (id bigint AUTO_INCREMENT PRIMARY KEY, address varchar(255) NOT NULL UNIQUE, goto longtext NOT NULL, active tinyint(1) DEFAULT 1, created datetime NOT NULL DEFAULT '2020-01-01 00:00:00', modified datetime, Domain_id bigint, FOREIGN KEY (Domain_id) REFERENCES domain (id) ON DELETE CASCADE) ENGINE=InnoDB`,
      `INSERT INTO domain (id, domain, active) VALUES (1, 'example.com', 1), (2, 'example.org', 1), (3, 'off.example', 0), (4, 'catch.example', 1), (5, 'aliasoff.example', 1)`,
      `INSERT INTO mailbox (username, local_part, active, Domain_id) VALUES
        ('alice@example.com', 'alice', 1, 1), ('bob@example.com', 'bob', 0, 1), ('Dave@Example.COM', 'Dave', 1, 1), ('carol@off.example', 'carol', 1, 3)`,
      `INSERT INTO alias (address, goto, active, Domain_id) VALUES
        ('alice@example.com', 'alice@example.com', 1, 1),
        ('bob@example.com', 'bob@example.com', 1, 1),
        ('sales@example.com', 'alice@example.com,Dave@Example.COM', 1, 1),
        ('old@example.com', 'alice@example.com', 0, 1),
        ('@catch.example', 'alice@example.com', 1, 4),
        ('@example.org', '@example.com', 1, 2),
        ('postmaster@example.org', 'alice@example.com', 1, 2),
        ('@aliasoff.example', '@example.com', 0, 5),
        ('team@off.example', 'alice@example.com', 1, 3)`,
    ]);
    dbs.push(db);
    const source = { ...(await exampleSource('vimbadmin')), url: db.url };
    const base = `ou=vimbadmin,${slapd.suffix}`;
    const file = await writeConfig(config(source, base));
    const r = await runMxdir(['sync', '-c', file], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.not.include('warning');
    const published = await readPublished(slapd, base);
    expect(published.domains).to.deep.equal(['aliasoff.example', 'catch.example', 'example.com', 'example.org']);
    expect(published.keys).to.deep.equal([
      '@catch.example',
      'alice@example.com',
      'alice@example.org',
      'dave@example.com',
      'dave@example.org',
      'postmaster@example.org',
      'sales@example.com',
      'sales@example.org',
    ]);
    const sources = await withRootClient(slapd, async (c) => (await c.search(base, { filter: '(mail=dave@example.org)', attributes: ['mxdirSource'] })).searchEntries[0]?.['mxdirSource']);
    expect(sources).to.deep.equal(['vimbadmin addresses Dave@Example.COM', 'vimbadmin aliasDomains example.org->example.com']);
  });

  it('Modoboa in PostgreSQL, with the example of config.example.yaml', async () => {
    const db = await createScratchDb('postgres', [
      `CREATE TABLE core_user (id serial PRIMARY KEY, username varchar(254) NOT NULL UNIQUE, is_active boolean NOT NULL DEFAULT true)`,
      `CREATE TABLE admin_domain (id serial PRIMARY KEY, name varchar(100) NOT NULL UNIQUE, quota integer NOT NULL DEFAULT 0, enabled boolean NOT NULL DEFAULT true, type varchar(20) NOT NULL DEFAULT 'domain')`,
      `CREATE TABLE admin_domainalias (id serial PRIMARY KEY, name varchar(100) NOT NULL UNIQUE, target_id integer NOT NULL REFERENCES admin_domain (id), enabled boolean NOT NULL DEFAULT true)`,
      `CREATE TABLE admin_mailbox (id serial PRIMARY KEY, address varchar(252) NOT NULL, quota integer NOT NULL DEFAULT 0, domain_id integer NOT NULL REFERENCES admin_domain (id), user_id integer NOT NULL UNIQUE REFERENCES core_user (id))`,
      `CREATE TABLE admin_alias (id serial PRIMARY KEY, address varchar(254) NOT NULL, enabled boolean NOT NULL DEFAULT true, internal boolean NOT NULL DEFAULT false, expire_at timestamp with time zone, domain_id integer REFERENCES admin_domain (id))`,
      `INSERT INTO admin_domain (id, name, enabled) VALUES (1, 'example.com', true), (2, 'off.example', false), (3, 'catch.example', true)`,
      `INSERT INTO admin_domainalias (name, target_id, enabled) VALUES ('example.org', 1, true), ('aliasoff.example', 1, false), ('offtarget.example', 2, true)`,
      `INSERT INTO core_user (id, username, is_active) VALUES (1, 'alice@example.com', true), (2, 'bob@example.com', false), (3, 'carol@off.example', true), (4, 'dave@example.com', true)`,
      `INSERT INTO admin_mailbox (address, domain_id, user_id) VALUES ('alice', 1, 1), ('bob', 1, 2), ('carol', 2, 3), ('dave', 1, 4)`,
      `INSERT INTO admin_alias (address, enabled, internal, expire_at, domain_id) VALUES
        ('alice@example.com', true, true, NULL, 1),
        ('bob@example.com', true, true, NULL, 1),
        ('sales@example.com', true, false, NULL, 1),
        ('old@example.com', false, false, NULL, 1),
        ('temp@example.com', true, false, now() - interval '1 day', 1),
        ('future@example.com', true, false, now() + interval '30 days', 1),
        ('@catch.example', true, false, NULL, 3),
        ('team@off.example', true, false, NULL, 2)`,
    ]);
    dbs.push(db);
    const source = { ...(await exampleSource('modoboa')), url: db.url };
    const base = `ou=modoboa,${slapd.suffix}`;
    const file = await writeConfig(config(source, base));
    const r = await runMxdir(['sync', '-c', file], { env });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.not.include('warning');
    const published = await readPublished(slapd, base);
    expect(published.domains).to.deep.equal(['catch.example', 'example.com', 'example.org']);
    expect(published.keys).to.deep.equal([
      '@catch.example',
      'alice@example.com',
      'alice@example.org',
      'dave@example.com',
      'dave@example.org',
      'future@example.com',
      'future@example.org',
      'sales@example.com',
      'sales@example.org',
    ]);
  });

  describe('generic SQL in SQLite', () => {
    let db: TestDb;
    let base: string;
    const queries = {
      domains: 'SELECT name AS Domain, enabled AS active, next_hop AS transport FROM domains',
      addresses: "SELECT local || '@' || domain AS address FROM users WHERE disabled = 0",
      catchAlls: 'SELECT name AS domain FROM domains WHERE accept_all = 1',
      aliasDomains: 'SELECT alias AS alias_domain, target AS target_domain, 1 AS active FROM domain_aliases',
    };
    before(async () => {
      db = await createScratchDb('sqlite', [
        'CREATE TABLE domains (name TEXT PRIMARY KEY, enabled INTEGER NOT NULL, accept_all INTEGER NOT NULL DEFAULT 0, next_hop TEXT)',
        'CREATE TABLE users (local TEXT, domain TEXT, disabled INTEGER NOT NULL DEFAULT 0)',
        'CREATE TABLE domain_aliases (alias TEXT, target TEXT)',
        `INSERT INTO domains VALUES ('a.example', 1, 0, 'smtp:[10.0.0.5]:25'), ('Relay.Example', 1, 1, NULL), ('off.example', 0, 0, NULL), ('b.example', 1, 0, NULL)`,
        `INSERT INTO users VALUES ('x', 'a.example', 0), ('gone', 'a.example', 1), ('y', 'off.example', 0), ('bad user', 'a.example', 0), ('z', 'nowhere.example', 0)`,
        `INSERT INTO domain_aliases VALUES ('b.example', 'a.example')`,
      ]);
      dbs.push(db);
      base = `ou=generic,${slapd.suffix}`;
    });

    it('publishes domains, addresses, catch-alls and alias domains; reports bad rows by source and query', async () => {
      const file = await writeConfig(config({ kind: 'sql', name: 'hr', url: db.url, queries }, base));
      const dry = await runMxdir(['sync', '-c', file, '--dry-run'], { env });
      expect(dry.code, dry.stderr).to.equal(0);
      expect(dry.stdout).to.include('    + x@b.example  (hr addresses x@a.example; hr aliasDomains b.example->a.example)\n');
      expect(dry.stdout).to.include('    + @relay.example  (hr catchAlls Relay.Example)\n');
      const warnings = dry.stderr.split('\n').filter((l) => l.startsWith('warning:'));
      expect(warnings).to.have.length(2);
      expect(warnings[0]).to.match(/^warning: hr: skipped addresses row "bad user@a.example": /);
      expect(warnings[1]).to.equal('warning: hr: skipped addresses row "z@nowhere.example": domain nowhere.example is not a relay domain in any source');
      const r = await runMxdir(['sync', '-c', file], { env });
      expect(r.code, r.stderr).to.equal(0);
      const published = await readPublished(slapd, base);
      expect(published.domains).to.deep.equal(['a.example', 'b.example', 'relay.example']);
      expect(published.keys).to.deep.equal(['@relay.example', 'x@a.example', 'x@b.example']);
      // an optional transport column gives the domain its next hop (mxdirTransport), as PostfixAdmin's does
      const hops = await withRootClient(slapd, async (c) =>
        (await c.search(base, { filter: '(objectClass=mxdirRelayDomain)', attributes: ['associatedDomain', 'mxdirTransport'] })).searchEntries.map((e) => `${e['associatedDomain']} ${[e['mxdirTransport'] ?? []].flat().join(',') || '-'}`).sort(),
      );
      expect(hops).to.deep.equal(['a.example smtp:[10.0.0.5]:25', 'b.example -', 'relay.example -']);
    });

    it('a query error is one line naming the source and the query key, and nothing is written', async () => {
      const before = await readPublished(slapd, base);
      const file = await writeConfig(config({ kind: 'sql', name: 'hr', url: db.url, queries: { ...queries, catchAlls: 'SELECT name AS domain FROM no_such_table' } }, base));
      const r = await runMxdir(['sync', '-c', file], { env });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal('mxdir: source hr: sources[0].queries.catchAlls: no such table: no_such_table (SQLITE_ERROR)\n');
      expect(await readPublished(slapd, base)).to.deep.equal(before);
    });

    it('a query without the column its key needs says which column, and what it returned', async () => {
      const file = await writeConfig(config({ kind: 'sql', name: 'hr', url: db.url, queries: { ...queries, addresses: 'SELECT local, domain FROM users' } }, base));
      const r = await runMxdir(['sync', '-c', file, '--dry-run'], { env });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.equal('mxdir: source hr: sources[0].queries.addresses: the query returns no column "address" (it returns local, domain); name it with AS address\n');
    });

    it('a missing query key is a config error with its path', async () => {
      const { domains: _d, ...rest } = queries;
      const file = await writeConfig(config({ kind: 'sql', name: 'hr', url: db.url, queries: rest }, base));
      const r = await runMxdir(['sync', '-c', file, '--dry-run'], { env });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.include('sources[0].queries.domains: required');
    });
  });
});
