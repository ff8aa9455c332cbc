// mxdir export: relay_recipients and relay_domains as Postfix map source files, built with the real
// postmap (hash, lmdb, cdb), looked up with postmap -q, and used by a real smtpd; atomic, guarded.
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb, execSql, type TestDb } from '../fixtures/postfixadmin-db.js';
import { EDGE_DATASET, EXPECTED_DOMAINS, EXPECTED_KEYS, RCPT_ACCEPTED, RCPT_NOT_RELAYED, RCPT_UNKNOWN } from '../fixtures/edge-cases.js';
import { startSmtpd, writePostfixConfigDir } from './harness/postfix.js';
import { run } from './harness/slapd.js';
import { runMxdir, writeConfig } from './run-mxdir.js';

/** postmap -q for many keys at once: the value per key, null when absent. */
async function lookup(mailConfig: string, table: string, keys: readonly string[]): Promise<Map<string, string | null>> {
  const r = await run('postmap', ['-c', mailConfig, '-q', '-', table], keys.join('\n') + '\n');
  expect(r.code === 0 || r.code === 1, r.stderr).to.equal(true);
  expect(r.stderr).to.equal('');
  const found = new Map(r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t') as [string, string]));
  return new Map(keys.map((k) => [k, found.get(k.toLowerCase()) ?? null]));
}

const LEGACY = 'legacy-relay.example';
const EXPORTED_KEYS = [...EXPECTED_KEYS.filter((k) => !k.startsWith('#')), `@${LEGACY}`].sort();
const MISSES = ['nobody@example.com', 'off@example.com', '@example.com', 'carol@inactive.example', 'ghost@missing.example', '#hash@example.com'];

describe('export: Postfix map source files', function () {
  this.timeout(180_000);
  let db: TestDb;
  let mailConfig: string;
  let config: string;
  let env: NodeJS.ProcessEnv;

  const freshDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mxdir-export-'));
    await chmod(dir, 0o755); // like /etc/postfix: Postfix daemons read the tables as the postfix user
    return dir;
  };

  before(async () => {
    db = await createPostfixAdminDb('sqlite', EDGE_DATASET);
    mailConfig = await writePostfixConfigDir();
    env = { MAIL_CONFIG: mailConfig };
    // No usable LDAP at all: export never connects to it.
    config = await writeConfig({
      source: { kind: 'postfixadmin', url: db.url },
      acceptAll: [LEGACY],
      ldap: { url: 'ldap://127.0.0.1:1', bindDN: 'cn=nobody', bindPassword: 'unused', baseDN: 'ou=mx,dc=example,dc=org' },
    });
  });
  after(async () => {
    await db?.drop();
    await rm(mailConfig, { recursive: true, force: true });
  });

  describe('hash tables', () => {
    let dir: string;
    let first: Awaited<ReturnType<typeof runMxdir>>;
    before(async () => {
      dir = await freshDir();
      first = await runMxdir(['export', '-c', config, '--out', dir, '--postmap', 'hash'], { env });
    });

    it('writes sorted "key OK" files under a header with the digest, prints the main.cf lines', async () => {
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.include(`relay_domains = hash:${dir}/relay_domains\nrelay_recipient_maps = hash:${dir}/relay_recipients\n`);
      const text = await readFile(join(dir, 'relay_recipients'), 'utf8');
      const body = text.split('\n').filter((l) => l && !l.startsWith('#'));
      expect(body).to.deep.equal(EXPORTED_KEYS.map((k) => `${k} OK`));
      const digest = createHash('sha256').update(body.map((l) => l + '\n').join('')).digest('hex');
      expect(text).to.match(new RegExp(`^# sha256: ${digest}$`, 'm'));
      expect(text).to.match(/^# generated: \d{4}-\d\d-\d\dT/m);
      expect(text).to.include('# sources: postfixadmin, config\n');
      const domains = (await readFile(join(dir, 'relay_domains'), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
      expect(domains).to.deep.equal([...EXPECTED_DOMAINS, LEGACY].sort().map((d) => `${d} OK`));
      expect((await stat(join(dir, 'relay_recipients'))).mode & 0o777).to.equal(0o644);
      expect((await readdir(dir)).sort()).to.deep.equal(['relay_domains', 'relay_domains.db', 'relay_recipients', 'relay_recipients.db']);
    });

    it('says which key a map file cannot hold (a leading # is a comment to postmap)', () => {
      expect(first.stderr).to.include('warning: left out of relay_recipients: #hash@example.com: a map source line starting with # is a comment to postmap');
    });

    it('postmap -q finds every exported key, the catch-alls included, and nothing else', async () => {
      const answers = await lookup(mailConfig, `hash:${join(dir, 'relay_recipients')}`, [...EXPORTED_KEYS, ...MISSES]);
      for (const k of EXPORTED_KEYS) expect(answers.get(k), k).to.equal('OK');
      for (const k of MISSES) expect(answers.get(k), k).to.equal(null);
      const domains = await lookup(mailConfig, `hash:${join(dir, 'relay_domains')}`, [LEGACY, 'example.com', 'inactive.example', 'all']);
      expect([...domains.values()]).to.deep.equal(['OK', 'OK', null, null]);
    });

    it('a real smtpd with the built tables accepts exactly the right recipients', async () => {
      const smtpd = await startSmtpd({ relayDomains: `hash:${join(dir, 'relay_domains')}`, relayRecipientMaps: `hash:${join(dir, 'relay_recipients')}` });
      try {
        const extra = [`anyone@${LEGACY}`];
        const replies = await smtpd.rcptMany([...RCPT_ACCEPTED, ...extra, ...RCPT_UNKNOWN, ...RCPT_NOT_RELAYED]);
        const got = (a: string) => `${a} -> ${replies.get(a)?.code} ${replies.get(a)?.text}`;
        for (const a of [...RCPT_ACCEPTED, ...extra]) expect(replies.get(a)?.code, got(a)).to.equal(250);
        for (const a of RCPT_UNKNOWN) expect(replies.get(a)?.code, got(a)).to.equal(550);
        for (const a of RCPT_NOT_RELAYED) expect(replies.get(a)?.code, got(a)).to.equal(554);
      } finally {
        await smtpd.stop();
      }
    });

    it('an unchanged export leaves the files and the built tables alone', async () => {
      const before = await Promise.all(['relay_recipients', 'relay_recipients.db'].map((f) => stat(join(dir, f))));
      const again = await runMxdir(['export', '-c', config, '--out', dir, '--postmap', 'hash'], { env });
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stderr).to.include(`${dir}/relay_recipients: unchanged (${EXPORTED_KEYS.length} entries)`);
      const after = await Promise.all(['relay_recipients', 'relay_recipients.db'].map((f) => stat(join(dir, f))));
      expect(after.map((s) => s.mtimeMs)).to.deep.equal(before.map((s) => s.mtimeMs));
      expect(after.map((s) => s.ino)).to.deep.equal(before.map((s) => s.ino));
    });

    it('refuses to drop more entries than the guards allow, writing nothing; --allow-mass-delete writes', async () => {
      const before = await readFile(join(dir, 'relay_recipients'), 'utf8');
      await execSql('sqlite', db.url, [`UPDATE domain SET active = 0 WHERE domain = 'example.org'`]);
      try {
        const refused = await runMxdir(['export', '-c', config, '--out', dir], { env });
        expect(refused.code, refused.stderr).to.equal(3);
        expect(refused.stderr).to.match(/^mxdir: export refused, nothing written: relay_recipients would lose 9 of its 22 entries \(41%, now 13\)/m);
        expect(refused.stderr).to.not.include('relay_domains would lose'); // like sync, the guards count addresses
        expect(await readFile(join(dir, 'relay_recipients'), 'utf8')).to.equal(before);
        const allowed = await runMxdir(['export', '-c', config, '--out', dir, '--allow-mass-delete', '--postmap', 'hash', '--mode', '0640'], { env });
        expect(allowed.code, allowed.stderr).to.equal(0);
        expect((await stat(join(dir, 'relay_recipients'))).mode & 0o777).to.equal(0o640);
        const answers = await lookup(mailConfig, `hash:${join(dir, 'relay_recipients')}`, ['alice@example.org', 'alice@example.com']);
        expect([...answers.values()]).to.deep.equal([null, 'OK']);
      } finally {
        await execSql('sqlite', db.url, [`UPDATE domain SET active = 1 WHERE domain = 'example.org'`]);
      }
    });

    it('a source that fails writes nothing and leaves no temporary file', async () => {
      const before = await readFile(join(dir, 'relay_recipients'), 'utf8');
      const broken = await writeConfig({
        source: { kind: 'postfixadmin', url: `${db.url}.missing` },
        ldap: { url: 'ldap://127.0.0.1:1', bindDN: 'cn=nobody', bindPassword: 'unused', baseDN: 'ou=mx,dc=example,dc=org' },
      });
      const r = await runMxdir(['export', '-c', broken, '--out', dir], { env });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.match(/^mxdir: open SQLite database .*\.missing: /);
      expect(await readFile(join(dir, 'relay_recipients'), 'utf8')).to.equal(before);
      expect((await readdir(dir)).filter((f) => f.startsWith('.'))).to.deep.equal([]);
    });
  });

  for (const type of ['lmdb', 'cdb'] as const) {
    it(`builds ${type} tables that postmap -q answers (postfix-${type})`, async () => {
      const dir = await freshDir();
      const r = await runMxdir(['export', '-c', config, '--out', dir, '--postmap', type], { env });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.include(`relay_recipient_maps = ${type}:${dir}/relay_recipients\n`);
      const answers = await lookup(mailConfig, `${type}:${join(dir, 'relay_recipients')}`, ['alice@example.com', '@example.net', `@${LEGACY}`, 'nobody@example.com']);
      expect([...answers.values()]).to.deep.equal(['OK', 'OK', 'OK', null]);
    });
  }
});
