// Hostile rows in the admin database: overlong values, control characters, NUL and broken UTF-8
// (what each server lets a row hold). Each is reported once, naming table, value and reason, and
// skipped; every valid row is still published, and the next run is a no-op.
import { expect } from 'chai';
import { createPostfixAdminDb, execSql, type DbKind, type TestDb } from '../fixtures/postfixadmin-db.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { readPublished } from './ldap-state.js';
import { configFor, runMxdir, writeConfig } from './run-mxdir.js';
import { quoteValue } from '../../src/cli/quote.js';

const VALID = { domains: ['good.example', 'other.example'], addresses: ['alice@good.example', 'bob@good.example', 'carol@other.example'] };

interface Hostile {
  /** SQL expression for the value. */
  readonly sql: string;
  readonly table: 'mailbox' | 'alias' | 'domain';
  /** The value as mxdir reports it (JSON-quoted on the warning line). */
  readonly shown: string;
  readonly reason: RegExp;
}

const long = 'l'.repeat(65);
/** 255 octets: one more than an RFC 5321 path may hold, and still fits PostfixAdmin's varchar(255). */
const veryLong = `${'a'.repeat(50)}@${'d'.repeat(63)}.${'e'.repeat(63)}.${'f'.repeat(63)}.good.example`;

function hostileRows(kind: DbKind): Hostile[] {
  const chr = (n: number) => (kind === 'postgres' ? `chr(${n})` : kind === 'mysql' ? `CHAR(${n})` : `char(${n})`);
  const cat = (...parts: string[]) => (kind === 'mysql' ? `CONCAT(${parts.join(', ')})` : parts.join(' || '));
  const rows: Hostile[] = [
    { table: 'mailbox', sql: `'${long}@good.example'`, shown: `${long}@good.example`, reason: /local part longer than 64 octets/ },
    { table: 'alias', sql: `'${veryLong}'`, shown: veryLong, reason: /longer than 254 octets|domain part/ },
    { table: 'domain', sql: `'${'x'.repeat(64)}.example'`, shown: `${'x'.repeat(64)}.example`, reason: /label|long/ },
    { table: 'mailbox', sql: cat(`'bell'`, chr(7), `'@good.example'`), shown: 'bell\u0007@good.example', reason: /control character/ },
    { table: 'alias', sql: cat(`'esc'`, chr(27), `'[31m@good.example'`), shown: 'esc\u001b[31m@good.example', reason: /control character/ },
    { table: 'mailbox', sql: cat(`'del'`, chr(127), `'@good.example'`), shown: 'del\u007f@good.example', reason: /control character/ },
    { table: 'alias', sql: cat(`'tab'`, chr(9), `'@good.example'`), shown: 'tab\t@good.example', reason: /control character|white space/ },
  ];
  // PostgreSQL text cannot hold NUL or invalid UTF-8 at all; SQLite and MariaDB can.
  if (kind !== 'postgres') rows.push({ table: 'mailbox', sql: cat(`'nul'`, chr(0), `'@good.example'`), shown: 'nul\u0000@good.example', reason: /NUL/ });
  if (kind === 'sqlite') {
    // A BLOB with invalid UTF-8 (0xC3 without its continuation byte, 0xFF), and TEXT holding the same bytes.
    rows.push({ table: 'mailbox', sql: `X'${Buffer.from('bad\xc3@good.example', 'latin1').toString('hex')}'`, shown: 'bad\ufffd@good.example', reason: /broken UTF-8/ });
    rows.push({ table: 'alias', sql: `CAST(X'${Buffer.from('ff\xff@good.example', 'latin1').toString('hex')}' AS TEXT)`, shown: 'ff\ufffd@good.example', reason: /broken UTF-8/ });
  }
  if (kind === 'mysql') {
    rows.push({ table: 'mailbox', sql: `CONVERT(X'${Buffer.from('bin\xc3@good.example', 'latin1').toString('hex')}' USING binary)`, shown: 'bin\ufffd@good.example', reason: /broken UTF-8/ });
  }
  return rows;
}

function insert(kind: DbKind, h: Hostile): string {
  switch (h.table) {
    case 'mailbox':
      return `INSERT INTO mailbox (username, domain, active) VALUES (${h.sql}, 'good.example', ${kind === 'postgres' ? 'true' : 1})`;
    case 'alias':
      return `INSERT INTO alias (address, goto, domain, active) VALUES (${h.sql}, 'alice@good.example', 'good.example', ${kind === 'postgres' ? 'true' : 1})`;
    case 'domain':
      return `INSERT INTO domain (domain, active) VALUES (${h.sql}, ${kind === 'postgres' ? 'true' : 1})`;
  }
}

for (const kind of ['sqlite', 'postgres', 'mysql'] as const) {
  describe(`hostile rows in ${kind}`, function () {
    this.timeout(120_000);
    let slapd: Slapd;
    let db: TestDb;

    before(async () => {
      slapd = await startSlapd();
      db = await createPostfixAdminDb(kind, {
        domains: VALID.domains.map((domain) => ({ domain })),
        mailboxes: VALID.addresses.map((username) => ({ username })),
        aliases: [],
        aliasDomains: [],
      });
    });
    after(async () => {
      await slapd?.stop();
      await db?.drop();
    });

    it('each is reported once (table, value, reason) and skipped; every valid row is published', async () => {
      const hostile = hostileRows(kind);
      if (kind === 'mysql') {
        // The binary value goes into a column that may hold it: make username a VARBINARY, as some installs have.
        await execSql(kind, db.url, ['ALTER TABLE mailbox MODIFY username VARBINARY(255) NOT NULL']);
      }
      await execSql(kind, db.url, hostile.map((h) => insert(kind, h)));
      const config = await writeConfig(configFor(db.url, slapd));
      const env = { MXDIR_BIND_PASSWORD: slapd.rootPassword };
      const r = await runMxdir(['sync', '-c', config], { env });
      expect(r.code, r.stderr).to.equal(0);
      const warnings = r.stderr.split('\n').filter((l) => l.startsWith('warning: skipped'));
      for (const h of hostile) {
        const lines = warnings.filter((l) => l.startsWith(`warning: skipped ${h.table} row ${quoteValue(h.shown)}: `));
        expect(lines, `${h.table} ${JSON.stringify(h.shown)} in:\n${r.stderr}`).to.have.length(1);
        expect(lines[0]).to.match(h.reason);
      }
      expect(warnings).to.have.length(hostile.length);
      // The warnings are safe to print: no raw control character reaches the terminal or the log.
      expect(r.stderr, JSON.stringify(r.stderr)).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
      expect(r.stderr).to.include('"del\\u007f@good.example"');
      const published = await readPublished(slapd, `ou=mx,${slapd.suffix}`);
      expect(published.keys).to.deep.equal(VALID.addresses);
      expect(published.domains).to.deep.equal(VALID.domains);
      const check = await runMxdir(['sync', '-c', config, '--check'], { env });
      expect(check.code, check.stdout).to.equal(0);
    });
  });
}
