// Secrets never appear in any output: every command and mode, successes and failures, with and
// without --verbose, is run with distinctive passwords (from ${ENV} and from *File keys, for the
// publisher, the Postfix lookup account and the database URL), and all of stdout and stderr is
// searched for them.
import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPostfixAdminDb, type TestDb } from '../fixtures/postfixadmin-db.js';
import { EDGE_DATASET } from '../fixtures/edge-cases.js';
import { startSlapd, type Slapd } from './harness/slapd.js';
import { runMxdir, writeConfig } from './run-mxdir.js';

const PUBLISHER_PW = 'Qx7-publisher-Zebra-913';
const LOOKUP_PW = 'Kp3-lookup-Walrus-482';
const DB_PW = 'Db9-source-Narwhal-275';
const WRONG_PW = 'Wr4-wrong-Platypus-660';
const SECRETS = [PUBLISHER_PW, LOOKUP_PW, DB_PW, WRONG_PW];

describe('secrets: no password in any output of any command', function () {
  this.timeout(300_000);
  let slapd: Slapd;
  let db: TestDb;
  let dir: string;
  const PUBLISHER = 'cn=mxdir,dc=example,dc=org';
  const LOOKUP = 'cn=postfix,dc=example,dc=org';
  /** Every run's output, labelled, checked at the end and in each test. */
  const outputs: { label: string; text: string }[] = [];

  before(async () => {
    slapd = await startSlapd({
      extraConfig: `access to * by dn.exact="${PUBLISHER}" write by dn.exact="${LOOKUP}" read by anonymous auth by * none`,
    });
    const accounts = [
      [PUBLISHER, PUBLISHER_PW],
      [LOOKUP, LOOKUP_PW],
    ].map(([dn, pw]) => `dn: ${dn}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: ${/^cn=([^,]+)/.exec(dn!)![1]}\nuserPassword: ${pw}\n`);
    const seeded = await slapd.ldapadd(accounts.join('\n'));
    expect(seeded.code, seeded.stderr).to.equal(0);
    // PostgreSQL on 127.0.0.1 trusts the test user: the password in the URL is sent and ignored.
    db = await createPostfixAdminDb('postgres', EDGE_DATASET);
    dir = await mkdtemp(join(tmpdir(), 'mxdir-secrets-'));
    await writeFile(join(dir, 'publisher-pw'), `${PUBLISHER_PW}\n`);
    await writeFile(join(dir, 'lookup-pw'), `${LOOKUP_PW}\n`);
  });
  after(async () => {
    await slapd?.stop();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const env = { MXDIR_BIND_PASSWORD: PUBLISHER_PW, MXDIR_LOOKUP_PASSWORD: LOOKUP_PW, MXDIR_DB_PASSWORD: DB_PW, MXDIR_WRONG: WRONG_PW };
  const sourceUrl = (port = 5432) => db.url.replace('postgres@127.0.0.1:5432', `postgres:\${MXDIR_DB_PASSWORD}@127.0.0.1:${port}`);

  /** A config in its own subdirectory: secrets from the environment, or from files. */
  async function config(name: string, o: { fromFiles?: boolean; ldapUrl?: string; password?: string; dbPort?: number; extra?: Record<string, unknown> } = {}) {
    const sub = await mkdtemp(join(dir, `${name}-`));
    if (o.fromFiles) {
      await writeFile(join(sub, 'publisher-pw'), `${PUBLISHER_PW}\n`);
      await writeFile(join(sub, 'lookup-pw'), `${LOOKUP_PW}\n`);
    }
    return writeConfig(
      {
        source: { kind: 'postfixadmin', url: sourceUrl(o.dbPort) },
        ldap: {
          url: o.ldapUrl ?? slapd.url,
          bindDN: PUBLISHER,
          ...(o.fromFiles ? { bindPasswordFile: 'publisher-pw' } : { bindPassword: o.password ?? '${MXDIR_BIND_PASSWORD}' }),
          baseDN: `ou=mx,${slapd.suffix}`,
        },
        postfix: { bindDN: LOOKUP, ...(o.fromFiles ? { bindPasswordFile: 'lookup-pw' } : { bindPassword: '${MXDIR_LOOKUP_PASSWORD}' }) },
        ...o.extra,
      },
      sub,
    );
  }

  async function mxdir(label: string, args: readonly string[], expectedCode: number | null): Promise<string> {
    const r = await runMxdir(args, { env });
    const text = r.stdout + r.stderr;
    outputs.push({ label, text });
    if (expectedCode !== null) expect(r.code, `${label}: ${text}`).to.equal(expectedCode);
    for (const secret of SECRETS) expect(text, `${label} printed a secret`).to.not.include(secret);
    return text;
  }

  for (const fromFiles of [false, true]) {
    const how = fromFiles ? 'bindPasswordFile' : '${ENV}';
    it(`every mode of sync, postfix, export and verify, with passwords from ${how}, with and without --verbose`, async () => {
      const file = await config(fromFiles ? 'files' : 'env', { fromFiles });
      const out = join(dir, fromFiles ? 'out-files' : 'out-env');
      for (const verbose of [[], ['--verbose']]) {
        const v = verbose.join(' ');
        for (const format of ['text', 'ldif', 'json']) await mxdir(`sync --dry-run --format ${format} ${v}`, ['sync', '-c', file, '--dry-run', '--format', format, ...verbose], 0);
        await mxdir(`sync --check ${v}`, ['sync', '-c', file, '--check', ...verbose], null);
      }
      await mxdir('sync --verbose', ['sync', '-c', file, '--verbose'], 0);
      await mxdir('sync (nothing to do)', ['sync', '-c', file], 0);
      await mxdir('sync --check (clean)', ['sync', '-c', file, '--check', '--verbose'], 0);
      const postfix = await mxdir('postfix --verbose', ['postfix', '-c', file, '--out', out, '--verbose'], 0);
      expect(postfix).to.include('mode 0640');
      await mxdir('postfix', ['postfix', '-c', file, '--out', out], 0);
      await mxdir('export --verbose', ['export', '-c', file, '--out', join(out, 'export'), '--verbose'], 0);
      // Its verdict on this edge-case data set is verify's own business (tested in verify.test.ts).
      for (const via of ['postmap', 'ldap']) {
        expect(await mxdir(`verify --via ${via} --verbose`, ['verify', '-c', file, '--via', via, '--verbose'], null)).to.match(/checked \d+ keys/);
      }
    });
  }

  it('--help of every command', async () => {
    for (const args of [['--help'], ['sync', '--help'], ['postfix', '--help'], ['export', '--help'], ['verify', '--help']]) await mxdir(args.join(' '), args, 0);
  });

  it('errors: wrong password, unreachable LDAP, unreachable database, bad config, plaintext refusal, with --verbose', async () => {
    const wrong = await config('wrong', { password: '${MXDIR_WRONG}' });
    expect(await mxdir('wrong password', ['sync', '-c', wrong], 1)).to.match(/invalid credentials/);
    await mxdir('wrong password --verbose', ['sync', '-c', wrong, '--verbose'], 1);
    await mxdir('wrong password --dry-run --verbose', ['sync', '-c', wrong, '--dry-run', '--verbose'], 1);
    const deadLdap = await config('dead-ldap', { ldapUrl: 'ldap://127.0.0.1:1' });
    expect(await mxdir('unreachable LDAP --verbose', ['sync', '-c', deadLdap, '--verbose'], 1)).to.match(/connection refused/);
    await mxdir('unreachable LDAP, verify --verbose', ['verify', '-c', deadLdap, '--verbose'], null);
    const deadDb = await config('dead-db', { dbPort: 1 });
    // The URL carried the password; the message names the URL with it masked.
    expect(await mxdir('unreachable database --verbose', ['sync', '-c', deadDb, '--verbose'], 1)).to.match(/postgres:\/\/postgres:\*\*\*@127.0.0.1:1\/.*ECONNREFUSED/);
    await mxdir('unreachable database, export --verbose', ['export', '-c', deadDb, '--out', join(dir, 'nowhere'), '--verbose'], 1);
    const badConfig = await config('bad', { extra: { guards: { maxDeletePercnt: 5 } } });
    expect(await mxdir('bad config --verbose', ['sync', '-c', badConfig, '--verbose'], 1)).to.match(/unknown key/);
    const plaintext = await config('plaintext', { ldapUrl: 'ldap://192.0.2.1:389' });
    expect(await mxdir('plaintext refused --verbose', ['sync', '-c', plaintext, '--verbose'], 1)).to.match(/unencrypted/);
  });

  it('the secrets really were in use: the syncs bound with them, the 0640 query configs hold the lookup password', async () => {
    expect(outputs.length).to.be.greaterThan(30);
    for (const sub of ['out-env', 'out-files']) {
      const cf = join(dir, sub, 'ldap-relay-recipients.cf');
      expect(await readFile(cf, 'utf8')).to.include(`bind_pw = ${LOOKUP_PW}\n`);
      expect((await stat(cf)).mode & 0o777).to.equal(0o640);
    }
  });
});
