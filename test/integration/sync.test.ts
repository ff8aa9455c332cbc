// mxdir sync end to end against a real slapd, with the PostfixAdmin database in SQLite, PostgreSQL
// and MariaDB: dry run, check, sync, convergence, incremental changes, hand-made entries, LDIF review.
import { expect } from 'chai';
import { Attribute } from 'ldapts';
import { createPostfixAdminDb, execSql, type DbKind } from '../fixtures/postfixadmin-db.js';
import { EDGE_DATASET, EXPECTED_DOMAINS, EXPECTED_KEYS, EXPECTED_SKIPPED } from '../fixtures/edge-cases.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished, withRootClient } from './ldap-state.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';

const KINDS: DbKind[] = ['sqlite', 'postgres', 'mysql'];

for (const kind of KINDS) {
  describe(`sync: PostfixAdmin in ${kind} -> slapd`, function () {
    this.timeout(120_000);
    let slapd: Slapd;
    let db: { url: string; drop(): Promise<void> };
    let config: string;
    let env: NodeJS.ProcessEnv;
    let base: string;

    before(async () => {
      slapd = await startSlapd();
      db = await createPostfixAdminDb(kind, EDGE_DATASET);
      config = await writeConfig(configFor(db.url, slapd));
      env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
      base = `ou=mx,${slapd.suffix}`;
    });
    after(async () => {
      await slapd?.stop();
      await db?.drop();
    });

    it('--check on an empty directory exits 2 and changes nothing', async () => {
      const r = await runMxdir(['sync', '-c', config, '--check'], { env });
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stdout).to.include(`+ ou=mx,${slapd.suffix} (base entry)`);
      expect(r.stdout).to.match(/Summary: \+\d+ addresses/);
      expect((await readPublished(slapd, slapd.suffix)).keys).to.deep.equal([]);
    });

    it('reports each invalid row once on stderr, naming table, value and reason', async () => {
      const r = await runMxdir(['sync', '-c', config, '--dry-run'], { env });
      expect(r.code, r.stderr).to.equal(0);
      const skipped = r.stderr.split('\n').filter((l) => l.includes('skipped'));
      expect(skipped).to.have.length(EXPECTED_SKIPPED.length);
      for (const s of EXPECTED_SKIPPED) {
        const [table, ...value] = s.split(' ');
        expect(skipped.some((l) => l.includes(`skipped ${table} row ${JSON.stringify(value.join(' '))}: `)), s).to.equal(true);
      }
    });

    it('sync publishes exactly the accepted keys and relay domains', async () => {
      const r = await runMxdir(['sync', '-c', config], { env });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stderr).to.match(/applied: \+\d+ ~0 -0/);
      const published = await readPublished(slapd, base);
      expect(published.keys).to.deep.equal(EXPECTED_KEYS);
      expect(published.domains).to.deep.equal(EXPECTED_DOMAINS);
    });

    it('a second sync is a no-op: --check exits 0', async () => {
      const check = await runMxdir(['sync', '-c', config, '--check'], { env });
      expect(check.code, check.stdout + check.stderr).to.equal(0);
      expect(check.stdout).to.include('Nothing to change');
      const again = await runMxdir(['sync', '-c', config], { env });
      expect(again.code).to.equal(0);
      expect(again.stderr).to.match(/nothing to change/);
    });

    it('follows changes in the admin database: adds, deletes, deactivations, alias domains', async () => {
      const hand = `mail=hand@example.com,associatedDomain=example.com,${base}`;
      await withRootClient(slapd, (c) =>
        c.add(hand, [new Attribute({ type: 'objectClass', values: ['mxdirRecipient'] }), new Attribute({ type: 'mail', values: ['hand@example.com'] })]),
      );
      await execSql(kind, db.url, [
        `DELETE FROM mailbox WHERE username = 'bob@example.com'`,
        `INSERT INTO alias (address, goto, domain, active) VALUES ('new@example.com', 'alice@example.com', 'example.com', ${kind === 'postgres' ? 'true' : '1'})`,
        `UPDATE domain SET active = ${kind === 'postgres' ? 'false' : '0'} WHERE domain = 'example.net'`,
        `UPDATE alias_domain SET active = ${kind === 'postgres' ? 'false' : '0'} WHERE alias_domain = 'example.org'`,
      ]);
      const dry = await runMxdir(['sync', '-c', config, '--dry-run'], { env });
      expect(dry.stdout).to.include('    - bob@example.com');
      expect(dry.stdout).to.include('    + new@example.com');
      expect(dry.stdout).to.include('- example.net  (relay domain removed)');
      // 12 of 23 published addresses go: the delete guard refuses, changes nothing, and says why.
      expect(dry.stdout).to.match(/REFUSED: would delete 12 of 23 published addresses \(52%\)/);
      const before = await readPublished(slapd, base);
      const refused = await runMxdir(['sync', '-c', config], { env });
      expect(refused.code, refused.stderr).to.equal(3);
      expect(refused.stderr).to.match(/^mxdir: sync refused, nothing changed: would delete 12 of 23/m);
      expect(await readPublished(slapd, base)).to.deep.equal(before);
      const r = await runMxdir(['sync', '-c', config, '--allow-mass-delete'], { env });
      expect(r.code, r.stderr).to.equal(0);
      const published = await readPublished(slapd, base);
      const expected = [...EXPECTED_KEYS.filter((k) => !k.endsWith('@example.org') && k !== 'bob@example.com' && k !== '@example.net'), 'new@example.com', 'hand@example.com'].sort();
      expect(published.keys).to.deep.equal(expected);
      expect(published.domains).to.deep.equal(EXPECTED_DOMAINS.filter((d) => d !== 'example.net'));
      expect(published.dns).to.include(hand);
      expect((await runMxdir(['sync', '-c', config, '--check'], { env })).code).to.equal(0);
    });
  });
}

describe('sync: the LDIF dry run applied with ldapmodify', function () {
  this.timeout(120_000);
  let slapd: Slapd;
  let db: { url: string; drop(): Promise<void> };
  after(async () => {
    await slapd?.stop();
    await db?.drop();
  });

  it('reaches exactly the state a sync would, first publish and incremental change alike', async () => {
    slapd = await startSlapd();
    db = await createPostfixAdminDb('sqlite', EDGE_DATASET);
    const config = await writeConfig(configFor(db.url, slapd));
    const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
    for (const change of [[], [`DELETE FROM mailbox WHERE username = 'alice@example.com'`, `DELETE FROM alias WHERE address = 'alice@example.com'`, `UPDATE domain SET active = 0 WHERE domain = 'empty.example'`, `INSERT INTO alias (address, goto, domain, active) VALUES ('@example.com', 'x@example.net', 'example.com', 1)`]]) {
      await execSql('sqlite', db.url, change);
      const ldif = await runMxdir(['sync', '-c', config, '--dry-run', '--format', 'ldif'], { env });
      expect(ldif.code, ldif.stderr).to.equal(0);
      expect(ldif.stdout).to.match(/changetype: (add|delete)/);
      const applied = await slapd.ldapmodify(ldif.stdout);
      expect(applied.code, applied.stderr).to.equal(0);
      const check = await runMxdir(['sync', '-c', config, '--check'], { env });
      expect(check.code, check.stdout).to.equal(0);
    }
    const published = await readPublished(slapd, `ou=mx,${slapd.suffix}`);
    expect(published.keys).to.include('@example.com').and.include('@example.org').and.not.include('alice@example.com');
    expect(published.domains).to.not.include('empty.example');
  });
});

describe('sync: JSON plan', function () {
  this.timeout(60_000);
  it('is versioned data with every operation', async () => {
    const slapd = await startSlapd();
    const db = await createPostfixAdminDb('sqlite', EDGE_DATASET);
    try {
      const config = await writeConfig(configFor(db.url, slapd));
      const r = await runMxdir(['sync', '-c', config, '--dry-run', '--format', 'json'], { env: { MXDIR_BIND_PASSWORD: slapd.rootPassword } });
      const plan = JSON.parse(r.stdout);
      expect(plan.version).to.equal(1);
      expect(plan.summary.add).to.deep.equal({ domains: EXPECTED_DOMAINS.length, addresses: EXPECTED_KEYS.length });
      const keys = plan.operations.filter((op: { kind: string }) => op.kind === 'recipient').map((op: { key: string }) => op.key).sort();
      expect(keys).to.deep.equal(EXPECTED_KEYS);
    } finally {
      await slapd.stop();
      await db.drop();
    }
  });
});
